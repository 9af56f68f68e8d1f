// Package fetch finds the official Keras ResNet50 weights file for the build, the way Keras'
// own keras.utils.get_file caches it (keras/src/applications/resnet.py: WEIGHTS_PATH,
// file_hash; cache in ~/.keras/models):
//
//  1. $GRAFT_WEIGHTS_H5, if set (any file: a partial one is accepted);
//  2. else ~/.keras/models/<file>, if present;
//  3. else download <file> from Keras' storage into ~/.keras/models and check Keras' MD5.
//
// With no file and no network it stops with a message that says exactly what to do.
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

// EnvVar names the environment variable that points at a weights file.
const EnvVar = "GRAFT_WEIGHTS_H5"

// maxDownload bounds a download (the official file is ~98 MiB).
const maxDownload = 512 << 20

// Options say where to look. The zero value of each field means "not available".
type Options struct {
	File     Official
	EnvPath  string       // value of $GRAFT_WEIGHTS_H5
	KerasDir string       // ~/.keras/models: looked in, and downloaded into
	Client   *http.Client // nil: http.DefaultClient
	Log      io.Writer    // notes for people (stderr); nil: none
}

// DefaultOptions reads the environment: $GRAFT_WEIGHTS_H5 and ~/.keras/models.
func DefaultOptions(file Official) Options {
	o := Options{File: file, EnvPath: os.Getenv(EnvVar)}
	if home, err := os.UserHomeDir(); err == nil {
		o.KerasDir = filepath.Join(home, ".keras", "models")
	}
	return o
}

// Locate returns the path of a weights file, downloading the official one if needed.
func Locate(ctx context.Context, o Options) (string, error) {
	if o.EnvPath != "" {
		if _, err := os.Stat(o.EnvPath); err != nil {
			return "", fmt.Errorf("%s=%s: %w (unset it to use ~/.keras/models or download)", EnvVar, o.EnvPath, err)
		}
		o.note(o.EnvPath, "from $"+EnvVar)
		return o.EnvPath, nil
	}
	if o.KerasDir != "" {
		p := filepath.Join(o.KerasDir, o.File.File)
		if _, err := os.Stat(p); err == nil {
			o.note(p, "from the Keras cache")
			return p, nil
		}
	}
	if o.KerasDir == "" {
		return "", o.whatToDo(errors.New("no home folder to download into"))
	}
	p, err := Download(ctx, o)
	if err != nil {
		return "", o.whatToDo(err)
	}
	return p, nil
}

// note logs which file is used and whether it is the official one (a partial file is fine).
func (o Options) note(path, how string) {
	if o.Log == nil {
		return
	}
	sum, err := fileMD5(path)
	switch {
	case err != nil:
		fmt.Fprintf(o.Log, "weights: %s (%s); cannot read it: %v\n", path, how, err)
	case sum == o.File.MD5:
		fmt.Fprintf(o.Log, "weights: %s (%s): the official %s (MD5 %s)\n", path, how, o.File.File, sum)
	default:
		fmt.Fprintf(o.Log, "weights: %s (%s): MD5 %s is not the official %s, using it as given (a partial file is accepted)\n", path, how, sum, o.File.MD5)
	}
}

// whatToDo wraps a failure to find or download the file in instructions.
func (o Options) whatToDo(cause error) error {
	return fmt.Errorf(`no ResNet50 weights file, and the download failed: %v
Do one of these, then run the build again:
  - export %s=/path/to/%s   (a partial file works too, e.g. ../shared/data/resnet50-keras-partial/resnet50_weights_tf_dim_ordering_tf_kernels.partial.h5)
  - copy the file to %s
  - on a machine with internet: download %s (MD5 %s), then do one of the above`,
		cause, EnvVar, o.File.File, filepath.Join(o.kerasDirForHelp(), o.File.File), o.File.URL, o.File.MD5)
}

func (o Options) kerasDirForHelp() string {
	if o.KerasDir != "" {
		return o.KerasDir
	}
	return "~/.keras/models"
}

// Download fetches o.File.URL into o.KerasDir, checking its MD5 before the file takes its final
// name (a partial download stays as <file>.part and is removed on failure).
func Download(ctx context.Context, o Options) (string, error) {
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	if err := os.MkdirAll(o.KerasDir, 0o755); err != nil {
		return "", err
	}
	final := filepath.Join(o.KerasDir, o.File.File)
	part := final + ".part"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.File.URL, nil)
	if err != nil {
		return "", err
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "weights: downloading %s\n", o.File.URL)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", o.File.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: HTTP %s", o.File.URL, resp.Status)
	}
	if resp.ContentLength > maxDownload {
		return "", fmt.Errorf("download %s: %d bytes, more than the %d a ResNet50 file can be", o.File.URL, resp.ContentLength, maxDownload)
	}
	out, err := os.Create(part)
	if err != nil {
		return "", err
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(resp.Body, maxDownload+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		err = fmt.Errorf("download %s: after %d bytes: %w", o.File.URL, n, err)
	case n > maxDownload:
		err = fmt.Errorf("download %s: more than %d bytes", o.File.URL, maxDownload)
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		err = fmt.Errorf("download %s: got %d of %d bytes (truncated)", o.File.URL, n, resp.ContentLength)
	default:
		if sum := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(sum, o.File.MD5) {
			err = fmt.Errorf("download %s: MD5 %s, Keras says %s (corrupt or truncated download)", o.File.URL, sum, o.File.MD5)
		}
	}
	if err != nil {
		os.Remove(part)
		return "", err
	}
	if err := os.Rename(part, final); err != nil {
		return "", err
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "weights: %s (%d bytes, MD5 %s)\n", final, n, o.File.MD5)
	}
	return final, nil
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
