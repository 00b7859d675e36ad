// RUN: sinter-opt %s -split-input-file -sinter-prepare-bufferization="max-empty-users=2" | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-prepare-bufferization | FileCheck %s --check-prefix=DEFAULT

// CSE leaves one tensor.empty for every op of a type; one-shot analysis is
// cubic in its users, so they are split into runs of max-empty-users, in
// program order, each run's empty just before its first user.

#map = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @split_runs
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[V0:.*]] = linalg.generic {{.*}} outs(%[[E0]] :
// CHECK: %[[V1:.*]] = linalg.generic {{.*}} ins(%[[V0]] : {{.*}} outs(%[[E0]] :
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[V2:.*]] = linalg.generic {{.*}} ins(%[[V1]] : {{.*}} outs(%[[E1]] :
// CHECK: %[[V3:.*]] = linalg.generic {{.*}} ins(%[[V2]] : {{.*}} outs(%[[E1]] :
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[V3]] : {{.*}} outs(%[[E2]] :
// DEFAULT-LABEL: func.func @split_runs
// DEFAULT-COUNT-1: tensor.empty
// DEFAULT-NOT: tensor.empty
// DEFAULT: return
func.func @split_runs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%0 : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %2 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%1 : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%2 : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %4 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%3 : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// no_ a tensor.empty with as many users as allowed is left alone.
// CHECK-LABEL: func.func @no_split_at_limit
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT: tensor.empty
func.func @no_split_at_limit(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %0 = linalg.copy ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %1 = linalg.copy ins(%0 : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
