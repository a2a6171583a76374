// Package pwa holds Heard's progressive web app: HTML, CSS, ES modules, the
// service worker, the manifest and icons. There is no build step: the files in
// static/ are what the browser runs.
package pwa

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// buildMarker is the line in sw.js that FS rewrites with a hash of every file,
// so each change to the app gives the service worker a new cache version
// without anyone remembering to bump it by hand.
const buildMarker = "const BUILD = 'dev';"

// filesMarker is the line in sw.js that FS rewrites with the list of files to
// keep for offline use, so a new file is never forgotten.
const filesMarker = "const FILES = [];"

// FS returns the app's files rooted at the static folder. sw.js is served with
// its BUILD constant set to a short hash of the app's content and its FILES
// list holding every file the app may need offline.
func FS() fs.FS {
	root, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return &buildFS{FS: root}
}

// Build is the short content hash FS writes into sw.js (empty if the files
// cannot be read, which the package's tests rule out).
func Build() string {
	FS().(*buildFS).sw()
	return buildHash
}

var (
	swOnce    sync.Once
	swBytes   []byte
	swErr     error
	buildHash string
)

// Precached reports whether the service worker keeps the file at path (relative
// to static/) for offline use: everything but the worker itself, index.html
// (kept as "/"), and licence and attribution texts.
func Precached(p string) bool {
	base := path.Base(p)
	switch {
	case p == "sw.js", p == "index.html":
		return false
	case strings.HasSuffix(base, ".md"), strings.HasPrefix(base, "LICENSE"), strings.HasPrefix(base, "."):
		return false
	}
	return true
}

type buildFS struct{ fs.FS }

func (b *buildFS) sw() ([]byte, error) {
	swOnce.Do(func() {
		h := sha256.New()
		var paths []string
		swErr = fs.WalkDir(b.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				paths = append(paths, p)
			}
			return nil
		})
		if swErr != nil {
			return
		}
		sort.Strings(paths)
		var files []string
		for _, p := range paths {
			if Precached(p) {
				files = append(files, "/"+p)
			}
		}
		for _, p := range paths {
			data, err := fs.ReadFile(b.FS, p)
			if err != nil {
				swErr = err
				return
			}
			io.WriteString(h, p)
			h.Write([]byte{0})
			h.Write(data)
			h.Write([]byte{0})
		}
		buildHash = hex.EncodeToString(h.Sum(nil))[:12]
		src, err := fs.ReadFile(b.FS, "sw.js")
		if err != nil {
			swErr = err
			return
		}
		list, _ := json.Marshal(files)
		src = bytes.Replace(src, []byte(filesMarker), []byte("const FILES = "+string(list)+";"), 1)
		swBytes = bytes.Replace(src, []byte(buildMarker), []byte("const BUILD = '"+buildHash+"';"), 1)
	})
	return swBytes, swErr
}

// Open opens a file; sw.js comes back with its build hash filled in.
func (b *buildFS) Open(name string) (fs.File, error) {
	if name != "sw.js" {
		return b.FS.Open(name)
	}
	data, err := b.sw()
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(data), name: "sw.js", size: int64(len(data))}, nil
}

// memFile is an in-memory fs.File that also seeks, as http.FileServer wants.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
