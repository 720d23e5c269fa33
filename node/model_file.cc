// Models as LibTorch archives (.pt): SerializeModelFile, ParseModelFile and
// their file forms in model.h.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/model.h"
#include "node/model_internal.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

// Scalars written beside the module's tensors, so a file says what it is.
constexpr char kArchitecture[] = "orbitfl_architecture";
constexpr char kVersion[] = "orbitfl_version";
const char* const kShapeKeys[] = {"orbitfl_bands", "orbitfl_pixels",
                                  "orbitfl_num_classes", "orbitfl_latent_dim"};

std::vector<int64_t> ShapeValues(const ModelSpec& spec) {
  return {spec.bands, spec.pixels, spec.num_classes,
          spec.architecture == "encoder_head" ? spec.latent_dim : 0};
}

}  // namespace

absl::StatusOr<std::string> SerializeModelFile(const ModelSpec& spec,
                                               const proto::Model& model) {
  return internal::CatchTorch(
      "model file", [&]() -> absl::StatusOr<std::string> {
        ORBITFL_ASSIGN_OR_RETURN(
            std::shared_ptr<internal::ClassifierImpl> net,
            internal::BuildClassifier(spec, /*load_encoder=*/true));
        ORBITFL_RETURN_IF_ERROR(
            internal::LoadParameters(model, net->TrainableParameters()));
        torch::serialize::OutputArchive archive;
        net->save(archive);
        archive.write(kArchitecture, c10::IValue(spec.architecture));
        archive.write(kVersion, c10::IValue(model.version()));
        const std::vector<int64_t> shape = ShapeValues(spec);
        for (size_t i = 0; i < shape.size(); ++i) {
          archive.write(kShapeKeys[i], c10::IValue(shape[i]));
        }
        std::ostringstream out;
        archive.save_to(out);
        return out.str();
      });
}

absl::StatusOr<proto::Model> ParseModelFile(const ModelSpec& spec,
                                            const std::string& bytes,
                                            const std::string& name,
                                            proto::Model* encoder) {
  ORBITFL_RETURN_IF_ERROR(ValidateSpec(spec));
  internal::PinTorchThreads();
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(bytes.data(), bytes.size());
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": not a LibTorch model archive (", e.what_without_backtrace(),
        ")"));
  }
  return internal::CatchTorch(
      name, [&]() -> absl::StatusOr<proto::Model> {
        c10::IValue value;
        if (archive.try_read(kArchitecture, value) && value.isString() &&
            value.toStringRef() != spec.architecture) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, ": holds a ", value.toStringRef(), " model, expected ",
              spec.architecture));
        }
        const std::vector<int64_t> shape = ShapeValues(spec);
        for (size_t i = 0; i < shape.size(); ++i) {
          if (archive.try_read(kShapeKeys[i], value) && value.isInt() &&
              value.toInt() != shape[i]) {
            return absl::InvalidArgumentError(absl::StrCat(
                name, ": ", kShapeKeys[i] + 8, " is ", value.toInt(),
                ", the model spec expects ", shape[i]));
          }
        }
        ORBITFL_ASSIGN_OR_RETURN(
            std::shared_ptr<internal::ClassifierImpl> net,
            internal::BuildClassifier(spec, /*load_encoder=*/false));
        // Module::load replaces each tensor by the file's whatever its
        // shape, so shapes are checked after.
        std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
        for (const auto& item : net->named_parameters()) {
          expected.emplace_back(item.key(), item.value().sizes().vec());
        }
        try {
          net->load(archive);
        } catch (const c10::Error& e) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, ": does not hold a ", spec.architecture,
                           " model: ", e.what_without_backtrace()));
        }
        const internal::NamedTensors loaded = net->named_parameters();
        for (const auto& [key, sizes] : expected) {
          const torch::Tensor* t = loaded.find(key);
          if (t == nullptr || t->sizes().vec() != sizes ||
              t->scalar_type() != torch::kFloat32) {
            return absl::InvalidArgumentError(absl::StrCat(
                name, ": tensor ", key, ": expected float32 of shape [",
                absl::StrJoin(sizes, ","), "]"));
          }
        }
        proto::Model model = internal::SaveParameters(
            net->TrainableParameters(), spec.architecture);
        if (archive.try_read(kVersion, value) && value.isInt()) {
          model.set_version(value.toInt());
        }
        if (torch::nn::Module* frozen = net->FrozenEncoder()) {
          proto::Model file_encoder = internal::SaveParameters(
              frozen->named_parameters(), "vae_encoder");
          if (spec.encoder != nullptr &&
              file_encoder.SerializeAsString() !=
                  spec.encoder->SerializeAsString()) {
            return absl::InvalidArgumentError(absl::StrCat(
                name, ": its encoder differs from the model spec's encoder"));
          }
          if (encoder != nullptr) *encoder = std::move(file_encoder);
        }
        return model;
      });
}

absl::Status SaveModelFile(const ModelSpec& spec, const proto::Model& model,
                           const std::string& path) {
  absl::StatusOr<std::string> bytes = SerializeModelFile(spec, model);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(),
                        absl::StrCat(path, ": ", bytes.status().message()));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  if (out) out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write model file ", path,
                                            ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::Model> LoadModelFile(const ModelSpec& spec,
                                           const std::string& path,
                                           proto::Model* encoder) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string msg = absl::StrCat("cannot open model file ", path,
                                         ": ", std::strerror(errno));
    return errno == ENOENT ? absl::NotFoundError(msg)
                           : absl::InternalError(msg);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return ParseModelFile(spec, bytes.str(), path, encoder);
}

}  // namespace orbitfl::node
