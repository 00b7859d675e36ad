"""ctypes bindings for the Sinter runtime's C API (runtime/include/sinter/runtime.h),
loaded from libsinter_runtime.so."""

from __future__ import annotations

import ctypes
import numpy as np

DTYPES = {"f32": 0, "f16": 1, "bf16": 2, "i1": 3, "i32": 4, "i64": 5}
NUMPY_OF = {0: np.float32, 1: np.float16, 2: np.uint16, 3: np.uint8, 4: np.int32, 5: np.int64}


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_uint32),
                ("rank", ctypes.c_uint32), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("byte_size", ctypes.c_uint64)]


class TensorView(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("byte_size", ctypes.c_uint64),
                ("dtype", ctypes.c_uint32), ("rank", ctypes.c_uint32),
                ("shape", ctypes.POINTER(ctypes.c_int64))]


class RuntimeOptions(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_int32), ("device", ctypes.c_int32),
                ("device_ordinal", ctypes.c_int32)]


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
        self.lib = lib

    def check(self, status):
        if status:
            msg = self.lib.sinter_status_message(status).decode()
            self.lib.sinter_status_free(status)
            raise SinterError(msg)


class Model:
    """A loaded artifact with one execution context and bound buffers:
    run() calls sinter_context_run on them."""

    def __init__(self, lib: Library, path: str, threads: int):
        self.lib = lib
        L = lib.lib
        self.runtime, self.model, self.context = (ctypes.c_void_p() for _ in range(3))
        opts = RuntimeOptions(threads)
        try:
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
        self._keep = []
        self._out_views = self._views(self.outputs, self.output_infos)

    def _views(self, arrays, infos):
        views = (TensorView * len(arrays))()
        for i, (a, (name, dt, shape)) in enumerate(zip(arrays, infos)):
            shp = (ctypes.c_int64 * len(shape))(*shape)
            self._keep.append(shp)
            views[i] = TensorView(a.ctypes.data, a.nbytes, dt, len(shape), shp)
        return views

    def bind_inputs(self, arrays: list[np.ndarray]):
        self.inputs = [np.ascontiguousarray(a) for a in arrays]
        self._in_views = self._views(self.inputs, self.input_infos)

    def run(self):
        self.lib.check(self.lib.lib.sinter_context_run(
            self.context, self._in_views, len(self.inputs), self._out_views, len(self.outputs)))

    def close(self):
        if self.lib is None:
            return
        L = self.lib.lib
        L.sinter_context_release(self.context)
        L.sinter_model_release(self.model)
        L.sinter_runtime_release(self.runtime)
        self.context = self.model = self.runtime = None
        self.lib = None
