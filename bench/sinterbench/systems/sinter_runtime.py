"""ctypes bindings for the Sinter runtime's C API (runtime/include/sinter/runtime.h),
loaded from libsinter_runtime.so: a CPU model on host arrays (Model), or a CUDA
model on device buffers (DeviceModel) of a CUDA runtime (Runtime)."""

from __future__ import annotations

import ctypes
import numpy as np

DTYPES = {"f32": 0, "f16": 1, "bf16": 2, "i1": 3, "i32": 4, "i64": 5}
NUMPY_OF = {0: np.float32, 1: np.float16, 2: np.uint16, 3: np.uint8, 4: np.int32, 5: np.int64}
DEVICE_CPU, DEVICE_CUDA = 0, 1  # sinter_abi_device_t (sinter/abi.h)


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_uint32),
                ("rank", ctypes.c_uint32), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("byte_size", ctypes.c_uint64),
                # 1 + the input an output overwrites in place, or 0.
                ("in_place_of", ctypes.c_uint32)]


class TensorView(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("byte_size", ctypes.c_uint64),
                ("dtype", ctypes.c_uint32), ("rank", ctypes.c_uint32),
                ("shape", ctypes.POINTER(ctypes.c_int64))]


class RuntimeOptions(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_int32), ("device", ctypes.c_int32),
                ("device_ordinal", ctypes.c_int32),
                ("skip_constants_verification", ctypes.c_int32)]


class DeviceInfo(ctypes.Structure):
    _fields_ = [("device", ctypes.c_int32), ("ordinal", ctypes.c_int32),
                ("name", ctypes.c_char_p), ("arch", ctypes.c_char_p),
                ("compute_capability_major", ctypes.c_int32),
                ("compute_capability_minor", ctypes.c_int32)]


class SinterError(RuntimeError):
    pass


class Library:
    def __init__(self, path: str):
        lib = ctypes.CDLL(path)
        vp, sz = ctypes.c_void_p, ctypes.c_size_t
        lib.sinter_status_code.argtypes = [vp]
        lib.sinter_status_message.argtypes = [vp]
        lib.sinter_status_message.restype = ctypes.c_char_p
        lib.sinter_status_free.argtypes = [vp]
        lib.sinter_runtime_create.argtypes = [ctypes.POINTER(RuntimeOptions), ctypes.POINTER(vp)]
        lib.sinter_runtime_create.restype = vp
        lib.sinter_runtime_release.argtypes = [vp]
        lib.sinter_model_load_file.argtypes = [vp, ctypes.c_char_p, ctypes.POINTER(vp)]
        lib.sinter_model_load_file.restype = vp
        lib.sinter_model_release.argtypes = [vp]
        lib.sinter_model_num_inputs.argtypes = [vp]
        lib.sinter_model_num_inputs.restype = sz
        lib.sinter_model_num_outputs.argtypes = [vp]
        lib.sinter_model_num_outputs.restype = sz
        for f in (lib.sinter_model_input_info, lib.sinter_model_output_info):
            f.argtypes = [vp, sz, ctypes.POINTER(TensorInfo)]
            f.restype = vp
        lib.sinter_model_workspace_size.argtypes = [vp]
        lib.sinter_model_workspace_size.restype = ctypes.c_uint64
        lib.sinter_context_create.argtypes = [vp, ctypes.POINTER(vp)]
        lib.sinter_context_create.restype = vp
        lib.sinter_context_release.argtypes = [vp]
        lib.sinter_context_run.argtypes = [vp, ctypes.POINTER(TensorView), sz,
                                           ctypes.POINTER(TensorView), sz]
        lib.sinter_context_run.restype = vp
        lib.sinter_runtime_device_info.argtypes = [vp, ctypes.POINTER(DeviceInfo)]
        lib.sinter_runtime_device_info.restype = vp
        lib.sinter_buffer_allocate.argtypes = [vp, ctypes.c_uint64, ctypes.POINTER(vp)]
        lib.sinter_buffer_allocate.restype = vp
        lib.sinter_buffer_release.argtypes = [vp]
        lib.sinter_buffer_device_pointer.argtypes = [vp]
        lib.sinter_buffer_device_pointer.restype = vp
        for f in (lib.sinter_buffer_copy_from_host, lib.sinter_buffer_copy_to_host):
            f.argtypes = [vp, vp, ctypes.c_uint64]
            f.restype = vp
        self.lib = lib

    def check(self, status):
        if status:
            msg = self.lib.sinter_status_message(status).decode()
            self.lib.sinter_status_free(status)
            raise SinterError(msg)


class Runtime:
    """A runtime of its own (CPU or one CUDA device), shared by the models
    loaded on it (each model holds its own reference as well)."""

    def __init__(self, lib: Library, device: int = DEVICE_CPU, ordinal: int = 0,
                 threads: int = 0):
        self.lib = lib
        self.handle = ctypes.c_void_p()
        opts = RuntimeOptions(threads, device, ordinal)
        lib.check(lib.lib.sinter_runtime_create(ctypes.byref(opts), ctypes.byref(self.handle)))

    def device_info(self) -> dict:
        info = DeviceInfo()
        self.lib.check(self.lib.lib.sinter_runtime_device_info(self.handle, ctypes.byref(info)))
        return {"device": info.device, "ordinal": info.ordinal,
                "name": (info.name or b"").decode(), "arch": (info.arch or b"").decode(),
                "compute_capability": (info.compute_capability_major,
                                       info.compute_capability_minor)}

    def close(self):
        if self.handle:
            self.lib.lib.sinter_runtime_release(self.handle)
        self.handle = None


class Model:
    """A loaded artifact with one execution context and bound buffers:
    run() calls sinter_context_run on them. Without `runtime` the model
    creates a CPU runtime of `threads` threads of its own."""

    def __init__(self, lib: Library, path: str, threads: int, runtime: Runtime | None = None):
        self.lib = lib
        L = lib.lib
        self.model, self.context = ctypes.c_void_p(), ctypes.c_void_p()
        self._own_runtime = runtime is None
        self.runtime = ctypes.c_void_p() if runtime is None else runtime.handle
        self._keep = []
        try:
            if self._own_runtime:
                opts = RuntimeOptions(threads)
                lib.check(L.sinter_runtime_create(ctypes.byref(opts), ctypes.byref(self.runtime)))
            lib.check(L.sinter_model_load_file(self.runtime, path.encode(),
                                               ctypes.byref(self.model)))
            lib.check(L.sinter_context_create(self.model, ctypes.byref(self.context)))
        except Exception:
            self.close()  # Releases whatever was created (each accepts NULL).
            raise
        self.workspace_bytes = L.sinter_model_workspace_size(self.model)

        def infos(count, getter):
            out = []
            for i in range(count):
                info = TensorInfo()
                lib.check(getter(self.model, i, ctypes.byref(info)))
                out.append((info.name.decode(), info.dtype,
                            tuple(info.shape[d] for d in range(info.rank))))
            return out

        self.input_infos = infos(L.sinter_model_num_inputs(self.model), L.sinter_model_input_info)
        self.output_infos = infos(L.sinter_model_num_outputs(self.model), L.sinter_model_output_info)
        self.outputs = [np.empty(shape, NUMPY_OF[dt]) for _, dt, shape in self.output_infos]
        self._out_views = self._views([(a.ctypes.data, a.nbytes) for a in self.outputs],
                                      self.output_infos)

    def _views(self, memory, infos):
        """Tensor views of (address, bytes) pairs, host or device."""
        views = (TensorView * len(memory))()
        for i, ((address, nbytes), (name, dt, shape)) in enumerate(zip(memory, infos)):
            shp = (ctypes.c_int64 * len(shape))(*shape)
            self._keep.append(shp)
            views[i] = TensorView(address, nbytes, dt, len(shape), shp)
        return views

    def bind_inputs(self, arrays: list[np.ndarray]):
        self.inputs = [np.ascontiguousarray(a) for a in arrays]
        self._in_views = self._views([(a.ctypes.data, a.nbytes) for a in self.inputs],
                                     self.input_infos)

    def run(self):
        self.lib.check(self.lib.lib.sinter_context_run(
            self.context, self._in_views, len(self.inputs), self._out_views, len(self.outputs)))

    def host_outputs(self) -> list[np.ndarray]:
        """The last run's outputs, in host memory."""
        return self.outputs

    def close(self):
        if self.lib is None:
            return
        L = self.lib.lib
        L.sinter_context_release(self.context)
        L.sinter_model_release(self.model)
        if self._own_runtime:
            L.sinter_runtime_release(self.runtime)
        self.context = self.model = self.runtime = None
        self.lib = None


class DeviceModel(Model):
    """A model of a CUDA runtime: its inputs and outputs live in device
    buffers (sinter_buffer_*), the inputs copied in once by bind_inputs, so
    run() is sinter_context_run alone (it synchronizes before returning);
    host_outputs() copies the outputs back."""

    def __init__(self, lib: Library, path: str, runtime: Runtime):
        self._buffers = []
        super().__init__(lib, path, 1, runtime)
        try:
            out = [self._allocate(a.nbytes) for a in self.outputs]
        except Exception:
            self.close()
            raise
        self._out_views = self._views([(self._pointer(b), a.nbytes)
                                       for b, a in zip(out, self.outputs)], self.output_infos)
        self._out_buffers = out

    def _allocate(self, nbytes: int):
        buf = ctypes.c_void_p()
        self.lib.check(self.lib.lib.sinter_buffer_allocate(self.runtime, nbytes,
                                                           ctypes.byref(buf)))
        self._buffers.append(buf)
        return buf

    def _pointer(self, buf) -> int:
        return self.lib.lib.sinter_buffer_device_pointer(buf) or 0

    def bind_inputs(self, arrays: list[np.ndarray]):
        self.inputs = [np.ascontiguousarray(a) for a in arrays]
        memory = []
        for a in self.inputs:
            buf = self._allocate(a.nbytes)
            self.lib.check(self.lib.lib.sinter_buffer_copy_from_host(buf, a.ctypes.data,
                                                                     a.nbytes))
            memory.append((self._pointer(buf), a.nbytes))
        self._in_views = self._views(memory, self.input_infos)

    def host_outputs(self) -> list[np.ndarray]:
        for buf, a in zip(self._out_buffers, self.outputs):
            self.lib.check(self.lib.lib.sinter_buffer_copy_to_host(buf, a.ctypes.data, a.nbytes))
        return self.outputs

    def close(self):
        if self.lib is not None:
            self.lib.lib.sinter_context_release(self.context)
            self.context = None
            for buf in self._buffers:  # After the context: no run uses them.
                self.lib.lib.sinter_buffer_release(buf)
            self._buffers = []
        super().close()
