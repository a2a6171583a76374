package pwa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"

	"heard/i18n"
)

// Asset is one file of the app as Heard serves it.
type Asset struct {
	URL       string // where it is served: /js/app.1a2b3c4d.js, or / and /sw.js
	Plain     string // its address without the hash: /js/app.js
	Type      string // Content-Type
	Body      []byte
	ETag      string // strong, quoted
	Immutable bool   // content-hashed: may be kept for a year

	once     sync.Once
	br, gzip []byte
}

// Compressible reports whether the file is sent compressed when the browser
// accepts it (text, and large enough to gain).
func (a *Asset) Compressible() bool {
	return len(a.Body) > 256 && !strings.HasPrefix(a.Type, "image/png")
}

// Encoded returns the body compressed with "br" or "gzip", or nil when that
// does not pay. Each file is compressed once (Load starts on all of them at
// once, in the background), never per request.
func (a *Asset) Encoded(enc string) []byte {
	if !a.Compressible() {
		return nil
	}
	a.once.Do(a.compress)
	switch enc {
	case "br":
		return a.br
	case "gzip":
		return a.gzip
	}
	return nil
}

func (a *Asset) compress() {
	var br bytes.Buffer
	w := brotli.NewWriterLevel(&br, brotli.BestCompression)
	w.Write(a.Body)
	w.Close()
	if br.Len() < len(a.Body)*9/10 {
		a.br = br.Bytes()
	}
	var gz bytes.Buffer
	g, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	g.Write(a.Body)
	g.Close()
	if gz.Len() < len(a.Body)*9/10 {
		a.gzip = gz.Bytes()
	}
}

// compressAll compresses every file in the background, one at a time, so
// it leaves the other cores to what Heard is doing as it starts.
func (s *Site) compressAll() {
	for _, a := range s.byPlain {
		a.Encoded("br")
	}
	for _, a := range s.shells {
		a.Encoded("br")
	}
}

// Site is the built app.
type Site struct {
	// Build is a short hash of every file, written into sw.js.
	Build string
	// Welcome lists the addresses the welcome screen loads (code, style,
	// pictures; words excepted): what the service worker keeps on install.
	Welcome []string
	byURL   map[string]*Asset // hashed addresses, / and /sw.js
	byPlain map[string]*Asset // unhashed addresses, /js/app.js
	shells  map[string]*Asset // index.html per language
}

// Shell returns the shell (index.html, served as /) for a language: it starts
// in that language's direction and preloads its welcome words, so they
// arrive with the code instead of after it. Unknown languages get English.
func (s *Site) Shell(lang string) *Asset {
	if a, ok := s.shells[lang]; ok {
		return a
	}
	return s.shells[i18n.Default]
}

// Lookup finds the file served at an address: a hashed address, / or /sw.js
// (immutable or checked as the Asset says), or an app file's plain address.
func (s *Site) Lookup(urlPath string) (*Asset, bool) {
	if a, ok := s.byURL[urlPath]; ok {
		return a, true
	}
	a, ok := s.byPlain[urlPath]
	return a, ok
}

// URL returns the address a file under static/ is served at ("js/app.js" →
// "/js/app.1a2b3c4d.js").
func (s *Site) URL(file string) string {
	if a, ok := s.byPlain["/"+file]; ok {
		return a.URL
	}
	return ""
}

// Stale finds the current version of a file asked for by an older hashed
// address (a page open across an update): served, but not to be kept.
func (s *Site) Stale(urlPath string) (*Asset, bool) {
	m := hashedName.FindStringSubmatch(urlPath)
	if m == nil {
		return nil, false
	}
	a, ok := s.byPlain[m[1]+m[2]]
	return a, ok
}

var hashedName = regexp.MustCompile(`^(/.+)\.[0-9a-f]{8}(\.[a-z]+)$`)

var types = map[string]string{
	".js":          "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".html":        "text/html; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".svg":         "image/svg+xml",
	".webmanifest": "application/manifest+json",
	".md":          "text/markdown; charset=utf-8",
	".png":         "image/png",
}

func typeOf(name string) string {
	ext := path.Ext(name)
	if t, ok := types[ext]; ok {
		return t
	}
	if strings.HasPrefix(path.Base(name), "LICENSE") {
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func newAsset(url, plain string, body []byte, immutable bool) *Asset {
	sum := sha256.Sum256(body)
	return &Asset{URL: url, Plain: plain, Type: typeOf(plain), Body: body, ETag: `"` + hex.EncodeToString(sum[:8]) + `"`, Immutable: immutable}
}
