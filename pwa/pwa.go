// Package pwa holds Heard's progressive web app: HTML, CSS, ES modules, the
// service worker, the manifest and icons. There is no build step to run by
// hand: the files in static/ are what the browser runs, given content-hashed
// addresses and compressed once when Heard starts (build.go).
package pwa

import (
	"embed"
	"io/fs"
	"strings"
	"sync"
	"testing/fstest"
	"time"
)

//go:embed static
var static embed.FS

var (
	once    sync.Once
	site    *Site
	siteErr error
)

// Load builds the app from static/ and the i18n catalogues, once.
func Load() (*Site, error) {
	once.Do(func() {
		root, err := fs.Sub(static, "static")
		if err != nil {
			siteErr = err
			return
		}
		site, siteErr = buildSite(root)
		if siteErr == nil {
			go site.compressAll()
		}
	})
	return site, siteErr
}

// FS returns the built app as files: each app file under its plain name
// (js/app.js) and its hashed name (js/app.1a2b3c4d.js), with index.html and
// sw.js. It also gives the Site to the server (api serves from it). It panics
// if the app cannot be built, which the package's tests rule out.
func FS() fs.FS {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	m := fstest.MapFS{}
	for _, a := range s.byPlain {
		f := &fstest.MapFile{Data: a.Body, Mode: 0o444, ModTime: time.Time{}}
		m[strings.TrimPrefix(a.Plain, "/")] = f
		if a.URL != "/" {
			m[strings.TrimPrefix(a.URL, "/")] = f
		}
	}
	return &siteFS{MapFS: m, site: s}
}

// Build is the short content hash of the whole app that sw.js carries.
func Build() string {
	s, err := Load()
	if err != nil {
		return ""
	}
	return s.Build
}

type siteFS struct {
	fstest.MapFS
	site *Site
}

// Site returns the built app behind the files.
func (f *siteFS) Site() *Site { return f.site }
