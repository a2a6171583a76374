package pwa

import (
	"encoding/json"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func readAll(t *testing.T, name string) string {
	t.Helper()
	f, err := FS().Open(name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

func TestServiceWorkerGetsBuildHash(t *testing.T) {
	sw := readAll(t, "sw.js")
	build := Build()
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(build) {
		t.Fatalf("Build() = %q, want 12 hex digits", build)
	}
	if strings.Contains(sw, buildMarker) {
		t.Fatal("sw.js still has the placeholder build")
	}
	if !strings.Contains(sw, "const BUILD = '"+build+"';") {
		t.Fatal("sw.js does not carry the build hash")
	}
	f, err := FS().Open("sw.js")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil || st.Size() != int64(len(sw)) || st.Name() != "sw.js" {
		t.Fatalf("stat sw.js = %v, %v; want size %d", st, err, len(sw))
	}
	if _, ok := f.(io.Seeker); !ok {
		t.Fatal("sw.js must be seekable for http.FileServer")
	}
}

// Every file the app needs offline is in the service worker's precache list,
// and every listed file exists.
func TestPrecacheListMatchesFiles(t *testing.T) {
	src, err := fs.ReadFile(static, "static/sw.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{buildMarker, filesMarker} {
		if !strings.Contains(string(src), marker) {
			t.Fatalf("sw.js lacks the line %q that pwa.FS fills in", marker)
		}
	}
	served := readAll(t, "sw.js")
	m := regexp.MustCompile(`const FILES = (\[.*?\]);`).FindStringSubmatch(served)
	if m == nil {
		t.Fatal("no FILES list in the served sw.js")
	}
	var files []string
	if err := json.Unmarshal([]byte(m[1]), &files); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, f := range files {
		listed[f] = true
		if _, err := fs.Stat(FS(), strings.TrimPrefix(f, "/")); err != nil {
			t.Errorf("sw.js precaches %s, which does not exist", f)
		}
	}
	for _, want := range []string{"/js/app.js", "/js/api.js", "/css/app.css", "/manifest.webmanifest", "/icons/icon-192.png", "/icons/badge-72.png"} {
		if !listed[want] {
			t.Errorf("%s is not precached", want)
		}
	}
	err = fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if Precached(p) != listed["/"+p] {
			t.Errorf("%s: precached %v, listed %v", p, Precached(p), listed["/"+p])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sw.js", "index.html", "cards/LICENSE", "cards/ATTRIBUTION.md"} {
		if Precached(p) {
			t.Errorf("%s should not be in the list", p)
		}
	}
}

// The app runs under a strict CSP: no inline script, style or handlers, and
// no HTML built from strings.
func TestNoInlineCodeOrHTMLInjection(t *testing.T) {
	html := readAll(t, "index.html")
	for _, m := range regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script in index.html: %q", m[0])
		}
	}
	if regexp.MustCompile(`(?i)\sstyle\s*=`).MatchString(html) || strings.Contains(html, "<style") {
		t.Error("inline style in index.html")
	}
	if regexp.MustCompile(`(?i)\son[a-z]+\s*=`).MatchString(html) {
		t.Error("inline event handler in index.html")
	}
	banned := regexp.MustCompile(`\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*'style'|\.style\.|\.cssText`)
	fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		src := readAll(t, p)
		if m := banned.FindString(src); m != "" {
			t.Errorf("%s uses %s", p, m)
		}
		return nil
	})
}

func catalogue(t *testing.T, lang string) map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "i18n", "locales", lang+".*json"))
	out := map[string]any{}
	for _, f := range files {
		base := filepath.Base(f)
		if base != lang+".json" && !strings.HasPrefix(base, lang+".") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	if len(out) == 0 {
		t.Fatalf("no catalogue for %s", lang)
	}
	return out
}

// Every message key the app names exists in every language.
func TestMessageKeysExist(t *testing.T) {
	langs := []string{"en", "ar"}
	cats := map[string]map[string]any{}
	for _, l := range langs {
		cats[l] = catalogue(t, l)
	}
	key := regexp.MustCompile(`'((?:app|nav|welcome|join|unlock|signin|home|role|service|yp|code|devices|admin|settings|time|error|field)\.[a-z0-9_.]+)'`)
	call := regexp.MustCompile(`\bt\('([a-z0-9_]+\.[a-z0-9_.]+)'`)
	used := map[string]string{}
	fs.WalkDir(FS(), "js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src := readAll(t, p)
		for _, m := range key.FindAllStringSubmatch(src, -1) {
			used[m[1]] = p
		}
		for _, m := range call.FindAllStringSubmatch(src, -1) {
			used[m[1]] = p
		}
		return nil
	})
	if len(used) < 50 {
		t.Fatalf("found only %d keys; is the pattern right?", len(used))
	}
	for k, file := range used {
		for _, l := range langs {
			if _, ok := cats[l][k]; ok {
				continue
			}
			// A prefix used with label(prefix, code) names a family of keys.
			family := false
			for have := range cats[l] {
				if strings.HasPrefix(have, k+".") {
					family = true
					break
				}
			}
			if !family {
				t.Errorf("%s uses %q, missing from %s", file, k, l)
			}
		}
	}
	// The roles and services the server sends all have words.
	for _, l := range langs {
		for _, k := range []string{"young_person", "key_worker", "duty_worker", "team_manager", "placement_staff", "commissioner", "administrator"} {
			if _, ok := cats[l]["role."+k]; !ok {
				t.Errorf("%s: no role.%s", l, k)
			}
			if k != "young_person" {
				if _, ok := cats[l]["home.intro."+k]; !ok {
					t.Errorf("%s: no home.intro.%s", l, k)
				}
			}
		}
	}
}

// Plural messages have an "other" form, and Arabic ones have all six.
func TestPluralForms(t *testing.T) {
	for _, l := range []string{"en", "ar"} {
		for k, v := range catalogue(t, l) {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if _, ok := m["other"]; !ok {
				t.Errorf("%s %s: no other form", l, k)
			}
			if l == "ar" {
				for _, form := range []string{"zero", "one", "two", "few", "many", "other"} {
					if _, ok := m[form]; !ok {
						t.Errorf("ar %s: no %s form", k, form)
					}
				}
			}
		}
	}
}

func TestManifestIcons(t *testing.T) {
	var m struct {
		Name, ShortName, StartURL, Scope, Display string
		Icons                                     []struct{ Src, Sizes, Type, Purpose string }
	}
	raw := readAll(t, "manifest.webmanifest")
	raw = strings.NewReplacer(`"short_name"`, `"ShortName"`, `"start_url"`, `"StartURL"`).Replace(raw)
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "Heard" || m.ShortName != "Heard" || m.StartURL != "/" || m.Scope != "/" || m.Display != "standalone" {
		t.Errorf("manifest basics wrong: %+v", m)
	}
	purposes := map[string]bool{}
	for _, ic := range m.Icons {
		purposes[ic.Sizes+" "+ic.Purpose] = true
		if ic.Type != "image/png" {
			continue
		}
		f, err := FS().Open(strings.TrimPrefix(ic.Src, "/"))
		if err != nil {
			t.Errorf("icon %s: %v", ic.Src, err)
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("icon %s: %v", ic.Src, err)
			continue
		}
		w, _ := strconv.Atoi(strings.Split(ic.Sizes, "x")[0])
		if cfg.Width != w || cfg.Height != w {
			t.Errorf("icon %s is %dx%d, manifest says %s", ic.Src, cfg.Width, cfg.Height, ic.Sizes)
		}
	}
	for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		if !purposes[want] {
			t.Errorf("manifest lacks a %s icon", want)
		}
	}
}
