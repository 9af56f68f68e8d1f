// Package h5 is a minimal, read-only HDF5 reader for the subset of the format
// that h5py and Keras write: groups, attributes and float datasets.
//
// The truth is the HDF5 File Format Specification, version 3.0
// (https://support.hdfgroup.org/documentation/hdf5/latest/_f_m_t3.html); each file cites the
// sections it implements. Supported:
//   - superblock versions 0–3 (§II.A), with a user block before it;
//   - object headers v1 and v2 ("OHDR") with continuation blocks (§IV.A);
//   - old-style groups: symbol table message, v1 B-tree and local heap
//     (§III.A.1, §III.C, §III.D); new-style groups: link messages stored
//     compactly in the header, or densely in a fractal heap indexed by a v2
//     B-tree (§IV.A.2.g, §IV.A.2.c, §III.G, §III.A.2);
//   - attributes in the header or in dense storage (§IV.A.2.m, §IV.A.2.v) with
//     fixed-length or variable-length strings (global heap, §III.E);
//   - datasets with compact, contiguous or chunked layout (§IV.A.2.i); chunks
//     indexed by a v1 B-tree, a single chunk, implicitly, by a fixed array or
//     by a v2 B-tree (§VII); filters deflate, shuffle and fletcher32 (§IV.A.2.l);
//     float32/float64 in either byte order (§IV.A.2.d).
//
// Not supported (each reports an error that names it): extensible-array chunk
// indexes (datasets with one unlimited dimension, libver "latest"), virtual
// datasets, external storage, soft/external links, shared (committed)
// datatypes, other filters (szip, lzf, …). Checksums are not verified.
//
// Hostile input returns an error: every size and address is checked against
// the file size before allocating, traversals have depth limits and remember
// the addresses they have visited, and groups have a member limit.
package h5

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Limits that keep a corrupt or hostile file from costing unbounded time or memory.
const (
	maxMembers    = 1 << 20 // links in one group
	maxDepth      = 64      // nesting of B-trees, heaps, datatypes
	maxRank       = 32      // dataspace dimensions (HDF5's own H5S_MAX_RANK)
	maxPathParts  = 256     // components in a path given to Group/Dataset
	maxMessages   = 1 << 16 // header messages in one object header
	maxHeaderSize = 1 << 26 // bytes in all chunks of one object header
	// maxInflation bounds decoded dataset bytes per file byte when a deflate
	// filter is present: deflate cannot expand data by more than ~1032×.
	maxInflation = 1100
	// maxUnstoredBytes is how far an unfiltered dataset may exceed the file
	// (storage never written reads as zeros).
	maxUnstoredBytes = 1 << 20
)

// File is an open HDF5 file.
type File struct {
	fr     fileReader
	root   *Group
	closer io.Closer
}

// OpenFile opens the HDF5 file at path; the caller must Close it.
func OpenFile(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	f, err := Open(osf, st.Size())
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closer = osf
	return f, nil
}

// Open reads the superblock and root group of the size-byte HDF5 file in r.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, errors.New("h5: negative file size")
	}
	sb, err := readSuperblock(r, size)
	if err != nil {
		return nil, err
	}
	f := &File{fr: fileReader{r: r, base: sb.base, size: size - sb.base, offSize: sb.offSize, lenSize: sb.lenSize}}
	root, err := f.openGroup(sb.rootAddr, "/")
	if err != nil {
		return nil, fmt.Errorf("h5: root group: %w", err)
	}
	f.root = root
	return f, nil
}

// Close closes the underlying file when the File came from OpenFile.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// Root returns the root group "/".
func (f *File) Root() *Group { return f.root }

// maxDecodedBytes is the largest dataset this file can plausibly hold.
func (f *File) maxDecodedBytes(deflated bool) uint64 {
	if deflated {
		return uint64(f.fr.size)*maxInflation + maxUnstoredBytes
	}
	return uint64(f.fr.size) + maxUnstoredBytes
}
