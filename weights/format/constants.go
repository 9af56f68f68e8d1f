// Constants of Graft's chunked model format. The specification is weights/FORMAT.md; every
// number here is defined there, and a change to one is a change to the spec.
package format

// FormatName is the manifest's "format" field: what kind of file this is.
const FormatName = "graft-chunked-model"

// FormatVersion is the container version ("format_version"). Bump it only for structural
// changes (field meanings, layout, naming rules); readers refuse any other version.
//
//	1: manifest.json + content-addressed chunks, tensor and chunk tables (this spec)
const FormatVersion = 1

// QuantizationVersion is the version of the int8 scheme ("quantization_version"), kept apart
// from the container version (like ggml's GGML_QNT_VERSION). Bump it whenever the codes
// written for the same float weights could change (rounding, range, scale derivation).
//
//	1: symmetric, per output channel (last axis), codes in [−127, 127], round half away from
//	   zero, float32 scale = amax/127 (weights/quant)
const QuantizationVersion = 1

// QuantizationScheme names scheme QuantizationVersion for people reading a manifest.
const QuantizationScheme = "int8-symmetric-per-output-channel"

// Tensor dtypes ("dtype" of a tensor entry). Ids are never reused for another meaning.
const (
	DTypeInt8    = "int8"    // int8 codes, row-major; a float32 scale per output channel (last axis)
	DTypeFloat32 = "float32" // IEEE 754 binary32, little-endian, row-major
)

// Model identity.
const (
	// Architecture is the only architecture this version describes: Keras' ResNet50 with its
	// layer names (core/resnet50).
	Architecture = "keras.applications.resnet.ResNet50"
	// ModelFamily starts every model id: "<ModelFamily>.<dtype>.<16 hex digits of content hash>".
	ModelFamily = "keras-resnet50-imagenet"
	// BatchNormFolded is the only value of "batch_norm": every BatchNormalization is folded
	// into the conv before it.
	BatchNormFolded = "folded"
)

// Layer states ("state" of a layer entry).
const (
	StatePresent   = "present"   // real weights from the source file
	StateSynthetic = "synthetic" // the source lacked them: seeded He-normal fill (results are not ImageNet's)
	StateTruncated = "truncated" // not stored: the model ends before this layer
)

// File layout.
const (
	ManifestFile  = "manifest.json"
	ChunkSuffix   = ".bin"  // chunk file = lowercase hex SHA-256 of its bytes + ChunkSuffix
	MaxChunkBytes = 1 << 20 // 1 MiB: every chunk but the last is exactly this long
	Alignment     = 16      // every tensor and scale table starts at a payload offset divisible by this
)

// Reader limits, checked before anything is allocated (style #13). They are far above what
// ResNet50 needs (≈ 25 MiB in ≈ 25 chunks) and far below what would hurt. Tensor shapes need no
// limit of their own: each must equal ResNet50's.
const (
	MaxManifestBytes = 1 << 20 // manifest.json
	MaxChunks        = 1024    // chunk table entries: 1 GiB of payload at most
)

// Caffe preprocessing, the only mode Keras' ResNet50 weights use
// (keras/src/applications/imagenet_utils.py, mode="caffe").
const (
	PreprocessCaffe     = "caffe"
	ChannelOrderBGR     = "BGR"
	KerasResizeNearest  = "nearest" // keras.utils.load_img(target_size=…) default interpolation
	InputSize           = 224
	InputChannels       = 3
	SyntheticInitHeNorm = "he-normal-bn-matched+glorot-uniform-dense,pcg-fnv1a" // resnet50.SyntheticInit: the fill of resnet50.Synthetic
)

// CaffeMeanBGR is subtracted from each BGR pixel (0–255); there is no scaling.
var CaffeMeanBGR = [3]float64{103.939, 116.779, 123.68}
