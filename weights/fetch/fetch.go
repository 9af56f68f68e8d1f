// Package fetch finds the official Keras ResNet50 weights file for the build and the CLI, the way
// Keras' own keras.utils.get_file caches it (keras/src/applications/resnet.py: WEIGHTS_PATH,
// file_hash; cache in ~/.keras/models). Find looks, in this order:
//
//  1. $GRAFT_WEIGHTS_H5, if set (any file: a partial one is accepted);
//  2. ~/.keras/models/<file>, if present;
//  3. with Options.Download: <file> from Keras' storage ($GRAFT_WEIGHTS_URL overrides the URL)
//     into ~/.keras/models, through <file>.part whose MD5 is checked before it takes its final
//     name; download.go has the resume, timeouts and progress;
//  4. only when there is no network (or no download was asked): the partial file in
//     $GRAFT_SHARED, whose missing weights the converter fills (labelled synthetic).
//
// With none of these it stops with a message that names the three ways to provide the file.
package fetch

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Official is one weights file as Keras publishes it.
type Official struct {
	File string // base name, also the name in ~/.keras/models
	URL  string
	MD5  string // Keras' file_hash for it
}

// BaseURL is Keras' storage folder for the ResNet weights (keras/src/applications/resnet.py).
const BaseURL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"

// The two ResNet50 files: with the 1000-class top, and without it.
var (
	Top   = Official{"resnet50_weights_tf_dim_ordering_tf_kernels.h5", BaseURL + "resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107"}
	NoTop = Official{"resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", BaseURL + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "4d473c1dd8becc155b73f8504c6f6626"}
)

// Environment variables DefaultOptions reads.
const (
	EnvVar    = "GRAFT_WEIGHTS_H5"  // a weights file to use as it is
	URLEnvVar = "GRAFT_WEIGHTS_URL" // download from here instead of Keras' storage (a mirror, a test server)
	// MD5EnvVar replaces Keras' MD5 of the official file: for tests and for mirrors serving
	// another file under the official name. Unset, the official name keeps Keras' MD5 whatever the URL.
	MD5EnvVar    = "GRAFT_WEIGHTS_MD5"
	SharedEnvVar = "GRAFT_SHARED" // the shared data folder beside the checkout (../shared)
)

// PartialFile is the partial Keras file inside the shared data folder ($GRAFT_SHARED).
const PartialFile = "data/resnet50-keras-partial/resnet50_weights_tf_dim_ordering_tf_kernels.partial.h5"

// DefaultTimeout is how long a download waits for the server's first answer, and for each
// further byte, before it says there is no network.
const DefaultTimeout = 20 * time.Second

// Source says where Find found the file.
type Source string

const (
	FromEnv        Source = "env"         // $GRAFT_WEIGHTS_H5
	FromKerasCache Source = "keras-cache" // ~/.keras/models
	FromDownload   Source = "downloaded"  // just downloaded into ~/.keras/models
	FromPartial    Source = "partial"     // the partial file in $GRAFT_SHARED
)

// Result is the file Find chose.
type Result struct {
	Path   string
	Source Source
	// Official: the file's MD5 is the official one's, so it holds every weight. A file that is
	// not needs the converter's synthetic fill for the weights it lacks.
	Official bool
}

// Options say where to look. The zero value of each field means "not available".
type Options struct {
	File     Official
	EnvPath  string // value of $GRAFT_WEIGHTS_H5
	KerasDir string // ~/.keras/models: looked in, and downloaded into
	Shared   string // $GRAFT_SHARED: the partial file's folder, used only without a network
	Download bool   // download when no local file is found
	URL      string // download URL; "" means File.URL

	Client  *http.Client  // nil: a client with the proxy from the environment
	Timeout time.Duration // first answer and stall timeout of a download; 0 means DefaultTimeout
	Log     io.Writer     // notes and progress for people (stderr); nil: none
	TTY     bool          // Log is a terminal: progress rewrites one line instead of printing lines
}

// DefaultOptions reads the environment: $GRAFT_WEIGHTS_H5, ~/.keras/models, $GRAFT_SHARED,
// $GRAFT_WEIGHTS_URL and $GRAFT_WEIGHTS_MD5.
func DefaultOptions(file Official) Options {
	if md5 := os.Getenv(MD5EnvVar); md5 != "" {
		file.MD5 = strings.ToLower(md5)
	}
	o := Options{File: file, EnvPath: os.Getenv(EnvVar), Shared: os.Getenv(SharedEnvVar), URL: os.Getenv(URLEnvVar)}
	if home, err := os.UserHomeDir(); err == nil {
		o.KerasDir = filepath.Join(home, ".keras", "models")
	}
	return o
}

// ErrNoNetwork is wrapped by download errors that mean no server could be reached (no route,
// no name, nothing answering in time), as opposed to a server that answered wrongly.
var ErrNoNetwork = errors.New("no network")

// Find returns the weights file to use and where it came from.
func Find(ctx context.Context, o Options) (Result, error) {
	if o.EnvPath != "" {
		if _, err := os.Stat(o.EnvPath); err != nil {
			return Result{}, fmt.Errorf("%s=%s: %w (unset it to use ~/.keras/models or download)", EnvVar, o.EnvPath, err)
		}
		return o.found(o.EnvPath, FromEnv, "from $"+EnvVar), nil
	}
	if o.KerasDir != "" {
		p := filepath.Join(o.KerasDir, o.File.File)
		if _, err := os.Stat(p); err == nil {
			return o.found(p, FromKerasCache, "from the Keras cache"), nil
		}
	}
	var cause error
	switch {
	case !o.Download:
		cause = errors.New("no download asked for")
	case o.KerasDir == "":
		cause = errors.New("no home folder to download into")
	default:
		p, err := Download(ctx, o)
		if err == nil {
			return Result{Path: p, Source: FromDownload, Official: true}, nil
		}
		if !errors.Is(err, ErrNoNetwork) {
			return Result{}, o.whatToDo(err) // a server answered wrongly: not a reason for synthetic weights
		}
		cause = err
	}
	if o.Shared != "" {
		p := filepath.Join(o.Shared, PartialFile)
		if _, err := os.Stat(p); err == nil {
			if o.Log != nil {
				fmt.Fprintf(o.Log, "weights: %v; using the partial file %s, its missing weights filled with labelled synthetic values\n", cause, p)
			}
			return Result{Path: p, Source: FromPartial}, nil
		}
	}
	return Result{}, o.whatToDo(cause)
}

// found logs which file is used and whether it is the official one (a partial file is fine).
func (o Options) found(path string, src Source, how string) Result {
	sum, err := fileMD5(path)
	r := Result{Path: path, Source: src, Official: err == nil && strings.EqualFold(sum, o.File.MD5)}
	if o.Log == nil {
		return r
	}
	switch {
	case err != nil:
		fmt.Fprintf(o.Log, "weights: %s (%s); cannot read it: %v\n", path, how, err)
	case r.Official:
		fmt.Fprintf(o.Log, "weights: %s (%s): the official %s (MD5 %s)\n", path, how, o.File.File, sum)
	default:
		fmt.Fprintf(o.Log, "weights: %s (%s): MD5 %s is not the official %s, using it as given (a partial file is accepted)\n", path, how, sum, o.File.MD5)
	}
	return r
}

// whatToDo wraps a failure to find or download the file in the three ways to provide it.
func (o Options) whatToDo(cause error) error {
	return fmt.Errorf(`no ResNet50 weights file (%w).
Provide it in one of three ways, then run again:
  1. export %s=/path/to/%s   (a partial file works too, e.g. ../shared/%s)
  2. put the file in %s
  3. connect to a network so it can be downloaded from %s (MD5 %s), or set %s to a mirror`,
		cause, EnvVar, o.File.File, PartialFile, filepath.Join(o.kerasDirForHelp(), o.File.File), o.url(), o.File.MD5, URLEnvVar)
}

func (o Options) kerasDirForHelp() string {
	if o.KerasDir != "" {
		return o.KerasDir
	}
	return "~/.keras/models"
}

func (o Options) url() string {
	if o.URL != "" {
		return o.URL
	}
	return o.File.URL
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func fileMD5(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
