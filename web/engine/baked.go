// baked.go: the head a build baked in (dist/head.json, app.HeadManifest; wire/baked.go has the
// flow). The model worker reads the manifest, fetches the file, checks its size and SHA-256,
// and the Shelf keeps it among the saved heads (once: a saved head with the same SHA-256 is
// reused, so reloading the page adds nothing) and makes it active. A head of another model or
// layer is refused with words saying so, and the page stays on ImageNet's labels.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/web/wire"
)

// ReadBakedManifest fetches and parses head.json through net (whose base is the site's root);
// nil and no error when the build has none (HTTP 404).
func ReadBakedManifest(ctx context.Context, net Fetcher) (*app.HeadManifest, error) {
	raw, err := net.Fetch(ctx, app.HeadManifestFile)
	var se *StatusError
	if errors.As(err, &se) && se.Code == 404 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var hm app.HeadManifest
	if err := json.Unmarshal(raw, &hm); err != nil {
		return nil, fmt.Errorf("%s: %w", app.HeadManifestFile, err)
	}
	clean := path.Clean(hm.File)
	if hm.File == "" || clean != hm.File || strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "..") || strings.Contains(clean, ":") {
		return nil, fmt.Errorf("%s names no file of this site (%q)", app.HeadManifestFile, hm.File)
	}
	if len(hm.SHA256) != 64 {
		return nil, fmt.Errorf("%s gives no SHA-256 for %s", app.HeadManifestFile, hm.File)
	}
	return &hm, nil
}

// FetchBaked fetches the manifest's head file and checks its size and SHA-256.
func FetchBaked(ctx context.Context, net Fetcher, hm *app.HeadManifest) ([]byte, error) {
	if hm.Bytes <= 0 || hm.Bytes > headfile.MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes is no head file", hm.File, hm.Bytes)
	}
	data, err := net.Fetch(ctx, hm.File)
	if err != nil {
		return nil, err
	}
	if len(data) != hm.Bytes {
		return nil, fmt.Errorf("%s is %d bytes, but %s says %d", hm.File, len(data), app.HeadManifestFile, hm.Bytes)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != strings.ToLower(hm.SHA256) {
		return nil, fmt.Errorf("%s does not match its SHA-256 in %s (damaged or replaced)", hm.File, app.HeadManifestFile)
	}
	return data, nil
}

// BakedLoading is what the page shows of hm before its file is checked.
func BakedLoading(hm *app.HeadManifest) wire.Baked {
	return wire.Baked{State: wire.BakedLoading, Title: hm.Title, Classes: hm.Classes, OpenSet: hm.OpenSet}
}

// BakedRefused is the message for a baked head that cannot run here.
func BakedRefused(hm *app.HeadManifest, err error) wire.Baked {
	b := BakedLoading(hm)
	b.State = wire.BakedRefused
	b.Message = fmt.Sprintf("This build’s classifier “%s” (%s) cannot run here: %v. Showing ImageNet’s labels instead.",
		bakedName(hm), strings.Join(hm.Classes, ", "), err)
	return b
}

func bakedName(hm *app.HeadManifest) string {
	if hm.Title != "" {
		return hm.Title
	}
	return DefaultHeadName(hm.Classes)
}

// UseBaked keeps data, the baked head hm describes (FetchBaked checked it), among the saved
// heads unless one with its SHA-256 is there already, and makes it active. A head of another
// model or layer than this page's is refused (BakedRefused, with the reason).
func (s *Shelf) UseBaked(ctx context.Context, hm *app.HeadManifest, data []byte, nowMs float64) wire.Baked {
	if hm.ModelID != s.ModelID {
		return BakedRefused(hm, fmt.Errorf("it was trained on model %s; this page runs model %s", hm.ModelID, s.ModelID))
	}
	m, err := headfile.Parse(data)
	if err != nil {
		return BakedRefused(hm, fmt.Errorf("its file is not a valid head file: %w", err))
	}
	if err := s.compatible(m.Base.ModelID, m.Base.Layer); err != nil {
		return BakedRefused(hm, err)
	}
	stored, err := s.Store.ListHeads(ctx)
	if err != nil {
		return BakedRefused(hm, fmt.Errorf("the saved heads could not be read: %w", err))
	}
	id := 0
	for _, h := range stored {
		if sum := sha256.Sum256(h.File); hex.EncodeToString(sum[:]) == strings.ToLower(hm.SHA256) {
			id = h.ID
			break
		}
	}
	if id == 0 {
		if id, err = s.Store.AddHead(ctx, StoredHead{Name: cleanName(bakedName(hm), m.Classes), CreatedMs: nowMs, File: data}); err != nil {
			return BakedRefused(hm, fmt.Errorf("it could not be saved in this browser: %w", err))
		}
	}
	if err := s.Use(ctx, id); err != nil {
		return BakedRefused(hm, err)
	}
	b := BakedLoading(hm)
	b.State, b.ID = wire.BakedActive, id
	return b
}
