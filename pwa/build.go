package pwa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	htmlpkg "html"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"heard/i18n"
)

// Heard builds its app once, in memory, when it starts (no Node, no build step
// to remember):
//
//   - every app file gets a content-hashed address (js/app.js is served as
//     /js/app.1a2b3c4d.js), so browsers keep it for a year and never ask again;
//     a file's hash covers every file it reaches (imports, pictures), so a
//     change anywhere below gives it a new address too;
//   - imports and quoted addresses of app files are rewritten to those
//     addresses; index.html gets a modulepreload for each module the welcome
//     screen needs, so they arrive together;
//   - the words are split into parts per language (i18n.AppParts) and served
//     as hashed JSON files; i18n.js gets their addresses;
//   - sw.js gets the lists of files to keep for offline use;
//   - text files are compressed once, with brotli and gzip.
//
// index.html (served as /) and sw.js keep their addresses and are checked on
// every visit.

// staffOnly are the files a young person's phone never needs: the test
// TestYoungPersonNeverLoadsStaffCode checks that nothing else imports them.
var staffOnly = map[string]bool{
	"js/admin.js": true, "js/adminforms.js": true, "js/areas.js": true, "js/staff.js": true, "js/youngpeople.js": true, "js/dashboard.js": true,
	"js/inbox.js": true, "js/cardalerts.js": true, "js/feedbackstaff.js": true,
	"words:admin": true, "words:kpis": true,
	"js/placements.js": true, "js/photos.js": true, "js/moves.js": true, "js/booklets.js": true, "css/placements.css": true, "words:placements": true,
	"js/buddystaff.js": true, "words:buddystaff": true,
}

// youngOnly are the files staff never need: a young person's own screens.
var youngOnly = map[string]bool{"js/mydata.js": true, "css/mydata.css": true, "words:mydata": true}

// keeps reports whether role's phone keeps the file (or "words:<part>") named.
func keeps(role, name string) bool {
	if role == "staff" {
		return !youngOnly[name]
	}
	return !staffOnly[name]
}

// Roles whose phones keep an offline copy: a young person's, and staff's.
var keptRoles = []string{"young_person", "staff"}

const hashLen = 8

var (
	// import … from './x.js', import('./x.js'), import './x.js', export … from './x.js'
	importRe = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}/[^'"\s]+)['"]`)
	// a quoted absolute address: '/icons/icon.svg', "/css/app.css", `/x.js`
	quotedRe = regexp.MustCompile("(['\"`])(/[A-Za-z0-9_./-]+)['\"`]")
	// /* assets: cards/*.svg */ {}  →  {"happy": "/cards/happy.1a2b3c4d.svg", …}
	assetsRe = regexp.MustCompile(`/\*\s*assets:\s*([A-Za-z0-9_/-]+)/\*(\.[a-z]+)\s*\*/\s*\{\}`)
)

const (
	cataloguesMarker = "const CATALOGUES = {};"
	needsMarker      = "const NEEDS = {};"
	preloadMarker    = "<!-- modulepreload -->"
	wordsMarker      = "<!-- words -->"
	bootErrorMarker  = "<!-- boot error -->"
	bootRetryMarker  = "<!-- boot retry -->"
	htmlTag          = `<html lang="en" dir="ltr">`
	buildMarker      = "const BUILD = 'dev';"
	filesMarker      = "const FILES = [];"
	welcomeMarker    = "const WELCOME = [];"
	keepMarker       = "const KEEP = {};"
)

type builder struct {
	src   map[string][]byte   // source by name: "js/app.js", "words/en.welcome.json"
	edges map[string][]string // names each file refers to
	url   map[string]string   // served address by name
	parts map[string]string   // words file name → part
	langs []i18n.AppLanguage
}

// hashed reports whether a file gets a content-hashed address.
func hashed(name string) bool {
	base := path.Base(name)
	switch {
	case name == "sw.js", name == "index.html":
		return false
	case strings.HasSuffix(base, ".md"), strings.HasPrefix(base, "LICENSE"), strings.HasPrefix(base, "."):
		return false
	}
	return true
}

func rewritable(name string) bool {
	switch path.Ext(name) {
	case ".js", ".css", ".html", ".webmanifest":
		return true
	}
	return false
}

func buildSite(static fs.FS) (*Site, error) {
	b := &builder{src: map[string][]byte{}, edges: map[string][]string{}, url: map[string]string{}, parts: map[string]string{}, langs: i18n.AppLanguages()}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, p)
		b.src[p] = data
		return err
	})
	if err != nil {
		return nil, err
	}
	parts, err := i18n.AppParts()
	if err != nil {
		return nil, err
	}
	for lang, ps := range parts {
		for part, msgs := range ps {
			data, err := json.Marshal(msgs)
			if err != nil {
				return nil, err
			}
			name := "i18n/" + lang + "." + part + ".json"
			b.src[name] = data
			b.parts[name] = part
		}
	}
	for name := range b.src {
		if err := b.findEdges(name); err != nil {
			return nil, err
		}
	}
	for name := range b.src {
		if hashed(name) {
			b.url[name] = hashedURL(name, b.hashOf(b.reach(name)))
		} else {
			b.url[name] = "/" + name
		}
	}
	site := &Site{byURL: map[string]*Asset{}, byPlain: map[string]*Asset{}, shells: map[string]*Asset{}}
	var all []string
	for name := range b.src {
		all = append(all, name)
	}
	site.Build = b.hashOf(all)[:12]
	site.Welcome = b.welcome()
	for name := range b.src {
		body := b.src[name]
		if rewritable(name) {
			body = b.rewrite(name, body)
		}
		if name == "sw.js" {
			body, err = b.fillWorker(body, site)
			if err != nil {
				return nil, err
			}
		}
		a := newAsset(b.url[name], "/"+name, body, hashed(name))
		if name == "index.html" {
			if err := b.shells(site, body); err != nil {
				return nil, err
			}
			a = site.Shell(i18n.Default)
		}
		site.byURL[a.URL] = a
		site.byPlain["/"+name] = a
	}
	return site, nil
}

// shells makes index.html for each language.
func (b *builder) shells(site *Site, body []byte) error {
	if !bytes.Contains(body, []byte(wordsMarker)) || !bytes.Contains(body, []byte(htmlTag)) {
		return fmt.Errorf("pwa: index.html lacks %q or %q", wordsMarker, htmlTag)
	}
	for _, l := range b.langs {
		words := b.url["i18n/"+l.Code+"."+i18n.PartWelcome+".json"]
		html := bytes.Replace(body, []byte(wordsMarker), []byte(`<link rel="preload" href="`+words+`" as="fetch" crossorigin>`), 1)
		script := ""
		if l.Script != "" {
			script = ` data-script="` + l.Script + `"`
		}
		html = bytes.Replace(html, []byte(htmlTag), []byte(`<html lang="`+l.Code+`" dir="`+l.Dir+`"`+script+`>`), 1)
		// Without the internet on a first visit, the shell says so in its
		// own language as well as in English.
		var offline, retry string
		if l.Code != i18n.Default {
			attrs := ` lang="` + l.Code + `" dir="` + l.Dir + `"`
			offline = `<p` + attrs + `>` + htmlpkg.EscapeString(i18n.T(l.Code, "app.offline")) + `</p>`
			retry = `<span` + attrs + `>` + htmlpkg.EscapeString(i18n.T(l.Code, "app.retry")) + `</span> · `
		}
		html = bytes.Replace(html, []byte(bootErrorMarker), []byte(offline), 1)
		html = bytes.Replace(html, []byte(bootRetryMarker), []byte(retry), 1)
		site.shells[l.Code] = newAsset("/", "/index.html", html, false)
	}
	return nil
}

func hashedURL(name, sum string) string {
	ext := path.Ext(name)
	return "/" + strings.TrimSuffix(name, ext) + "." + sum[:hashLen] + ext
}

// resolve turns a reference in file from into a file name, or "".
func (b *builder) resolve(from, ref string) string {
	var name string
	if strings.HasPrefix(ref, "/") {
		name = strings.TrimPrefix(ref, "/")
	} else {
		name = path.Join(path.Dir(from), ref)
	}
	if _, ok := b.src[name]; ok {
		return name
	}
	return ""
}

func (b *builder) findEdges(name string) error {
	if !rewritable(name) && name != "sw.js" {
		return nil
	}
	src := string(b.src[name])
	add := func(ref string) {
		if n := b.resolve(name, ref); n != "" && n != name {
			b.edges[name] = append(b.edges[name], n)
		}
	}
	for _, m := range importRe.FindAllStringSubmatch(src, -1) {
		if b.resolve(name, m[3]) == "" {
			return fmt.Errorf("pwa: %s imports %s, which does not exist", name, m[3])
		}
		add(m[3])
	}
	for _, m := range quotedRe.FindAllStringSubmatch(src, -1) {
		add(m[2])
	}
	for _, m := range assetsRe.FindAllStringSubmatch(src, -1) {
		for _, n := range b.dir(m[1], m[2]) {
			add("/" + n)
		}
	}
	if strings.Contains(src, cataloguesMarker) {
		for n := range b.parts {
			b.edges[name] = append(b.edges[name], n)
		}
	}
	if strings.Contains(src, needsMarker) {
		for n := range b.src {
			if path.Ext(n) == ".js" && hashed(n) && n != name {
				b.edges[name] = append(b.edges[name], n)
			}
		}
	}
	sort.Strings(b.edges[name])
	return nil
}

// dir lists the files directly in dir with extension ext.
func (b *builder) dir(dir, ext string) []string {
	var out []string
	for n := range b.src {
		if path.Dir(n) == dir && path.Ext(n) == ext {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// reach lists name and every file it refers to, directly or not.
func (b *builder) reach(name string) []string {
	return closure(name, func(n string) []string { return b.edges[n] })
}

// closure lists start and everything next leads to from it, sorted.
func closure(start string, next func(string) []string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, e := range next(n) {
			walk(e)
		}
	}
	walk(start)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (b *builder) hashOf(names []string) string {
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b.src[n]))
		h.Write(b.src[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// rewrite points imports and quoted addresses at the hashed addresses and
// fills in the markers.
func (b *builder) rewrite(name string, body []byte) []byte {
	src := string(body)
	src = importRe.ReplaceAllStringFunc(src, func(s string) string {
		m := importRe.FindStringSubmatch(s)
		return m[1] + m[2] + b.url[b.resolve(name, m[3])] + m[2]
	})
	src = quotedRe.ReplaceAllStringFunc(src, func(s string) string {
		m := quotedRe.FindStringSubmatch(s)
		if n := b.resolve(name, m[2]); n != "" {
			return m[1] + b.url[n] + m[1]
		}
		return s
	})
	src = assetsRe.ReplaceAllStringFunc(src, func(s string) string {
		m := assetsRe.FindStringSubmatch(s)
		out := map[string]string{}
		for _, n := range b.dir(m[1], m[2]) {
			out[strings.TrimSuffix(path.Base(n), m[2])] = b.url[n]
		}
		j, _ := json.Marshal(out)
		return string(j)
	})
	if strings.Contains(src, cataloguesMarker) {
		words := map[string]map[string]string{}
		for n, part := range b.parts {
			lang, _, _ := strings.Cut(path.Base(n), ".")
			if words[lang] == nil {
				words[lang] = map[string]string{}
			}
			words[lang][part] = b.url[n]
		}
		j, _ := json.Marshal(map[string]any{"languages": b.langs, "words": words})
		src = strings.Replace(src, cataloguesMarker, "const CATALOGUES = "+string(j)+";", 1)
	}
	if strings.Contains(src, needsMarker) {
		j, _ := json.Marshal(b.needs())
		src = strings.Replace(src, needsMarker, "const NEEDS = "+string(j)+";", 1)
	}
	if strings.Contains(src, preloadMarker) {
		var links []string
		for _, n := range b.welcome() {
			if strings.HasSuffix(n, ".js") && n != b.url["js/app.js"] {
				links = append(links, `<link rel="modulepreload" href="`+n+`">`)
			}
		}
		src = strings.Replace(src, preloadMarker, strings.Join(links, "\n  "), 1)
	}
	return []byte(src)
}

// staticImports is the closure of name under static imports only: what the
// browser must load before the module runs.
func (b *builder) staticImports(name string) []string {
	return closure(name, func(n string) []string {
		var out []string
		for _, m := range importRe.FindAllStringSubmatch(string(b.src[n]), -1) {
			if !strings.HasPrefix(strings.TrimSpace(m[1]), "import(") {
				out = append(out, b.resolve(n, m[3]))
			}
		}
		return out
	})
}

// needs maps each module loaded on demand (named by a quoted address such as
// '/js/unlock.js' or by import()) to the modules it imports, directly or
// not, that the welcome screen has not loaded: router.js preloads them all at
// once instead of one level of imports after another. The file holding the
// map (app.js) refers to every module, so its address changes with any.
func (b *builder) needs() map[string][]string {
	loaded := map[string]bool{}
	for _, n := range b.staticImports("js/app.js") {
		loaded[n] = true
	}
	out := map[string][]string{}
	for name, src := range b.src {
		if path.Ext(name) != ".js" || name == "sw.js" {
			continue
		}
		var lazy []string
		for _, m := range quotedRe.FindAllStringSubmatch(string(src), -1) {
			lazy = append(lazy, m[2])
		}
		for _, m := range importRe.FindAllStringSubmatch(string(src), -1) {
			if strings.HasPrefix(strings.TrimSpace(m[1]), "import(") {
				lazy = append(lazy, m[3])
			}
		}
		for _, ref := range lazy {
			n := b.resolve(name, ref)
			if n == "" || path.Ext(n) != ".js" || loaded[n] {
				continue
			}
			deps := []string{}
			for _, d := range b.staticImports(n) {
				if d != n && !loaded[d] {
					deps = append(deps, b.url[d])
				}
			}
			out[b.url[n]] = deps
		}
	}
	return out
}

// welcome lists the addresses of what the welcome screen loads, words aside.
func (b *builder) welcome() []string {
	names := append(b.staticImports("js/app.js"), "css/app.css", "icons/icon.svg")
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, b.url[n])
	}
	sort.Strings(out)
	return out
}

// kept lists, per role, the files its phone keeps for offline use after
// sign-in, and per language the words.
func (b *builder) kept() map[string]any {
	out := map[string]any{}
	for _, role := range keptRoles {
		files := []string{}
		words := map[string][]string{}
		for n := range b.src {
			if !hashed(n) {
				continue
			}
			if part, ok := b.parts[n]; ok {
				if keeps(role, "words:"+part) {
					lang, _, _ := strings.Cut(path.Base(n), ".")
					words[lang] = append(words[lang], b.url[n])
				}
				continue
			}
			switch {
			case path.Ext(n) == ".js", path.Ext(n) == ".css", strings.HasPrefix(n, "cards/") && path.Ext(n) == ".svg", n == "icons/icon.svg":
			case b.usedByWorker(n): // notification icons
			default:
				continue
			}
			if keeps(role, n) {
				files = append(files, b.url[n])
			}
		}
		sort.Strings(files)
		for _, w := range words {
			sort.Strings(w)
		}
		out[role] = map[string]any{"files": files, "words": words}
	}
	return out
}

func (b *builder) usedByWorker(n string) bool {
	for _, e := range b.edges["sw.js"] {
		if e == n {
			return true
		}
	}
	return false
}

func (b *builder) fillWorker(body []byte, site *Site) ([]byte, error) {
	var files []string
	for n, u := range b.url {
		if hashed(n) {
			files = append(files, u)
		}
	}
	sort.Strings(files)
	fill := []struct {
		marker string
		value  any
	}{{filesMarker, files}, {welcomeMarker, site.Welcome}, {keepMarker, b.kept()}}
	for _, f := range fill {
		if !bytes.Contains(body, []byte(f.marker)) {
			return nil, fmt.Errorf("pwa: sw.js lacks %q", f.marker)
		}
		j, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		name, _, _ := strings.Cut(f.marker, " = ")
		body = bytes.Replace(body, []byte(f.marker), []byte(name+" = "+string(j)+";"), 1)
	}
	if !bytes.Contains(body, []byte(buildMarker)) {
		return nil, fmt.Errorf("pwa: sw.js lacks %q", buildMarker)
	}
	return bytes.Replace(body, []byte(buildMarker), []byte("const BUILD = '"+site.Build+"';"), 1), nil
}
