// Empirical bias correction: the mean output error of each quantized layer, per output channel,
// measured on calibration inputs and folded into the layer's int32 bias (after Nagel et al. 2019,
// "Data-Free Quantization Through Weight Equalization and Bias Correction", section 4.2, and
// Banner et al. 2019, "Post training 4-bit quantization of convolutional networks").
//
// Sites: every Conv / Gemm of a QDQ graph (quantize_graph.h) whose bias is an int32 constant behind
// a per-channel DequantizeLinear. Each site's own error is measured: the measuring graph is the
// fp32 graph plus, beside every site, a shadow copy of the quantized layer (int8 weights and bias,
// dequantized) reading the fake-quantized fp32 input; fused activations are split off so a ReLU
// does not hide the error below 0. For channel c,
//   E[c] = mean over inputs and positions of (fp32 output - shadow output), before activation,
//   bias_q[c] += round(E[c] / bias_scale[c]).
// Why each layer on fp32 inputs rather than the quantized model's: measured on the quantized
// model's own activations, every layer's error also holds the mean error of the layers before it,
// which their own corrections remove already; correcting all layers from one such measurement
// counts that error twice (on the Fashion-MNIST MobileNet: 92.5 % -> 91.4 % top-1).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "graph/executor.h"
#include "graph/graph.h"

namespace wi8 {

class BiasCorrection {
 public:
  // fp32: the graph quantize_graph() started from; qdq: its result.
  BiasCorrection(const Graph& fp32, const Graph& qdq);

  size_t sites() const { return sites_.size(); }
  // The measuring graph (moved out: call once), ready to run with tensor captures
  // (simplify_graph() would remove the shadow layers: nothing reads their outputs).
  Graph take_measuring_graph() { return std::move(measuring_); }
  // The tensors add() reads: capture only these (executor.h).
  std::vector<std::string> captured_names() const;
  // One run of the measuring graph.
  void add(const TensorCaptures& run);
  // Adds the mean errors to qdq's int32 biases (the graph the sites were found in); returns how
  // many layers changed.
  size_t apply(Graph* qdq) const;

 private:
  struct Site {
    std::string fp32_name;     // the layer's output before activation, in the measuring graph
    std::string shadow_name;   // the quantized copy's
    int bias_q = -1;           // the int32 bias constant (tensor id in the QDQ graph)
    std::vector<float> scale;  // the bias's per-channel scale
    double bias_gain = 1.0;    // what the op multiplies its bias by (Gemm's beta)
    std::vector<double> error_sum;
    double count = 0;  // values per channel summed so far
  };
  std::vector<Site> sites_;
  Graph measuring_;
};

}  // namespace wi8
