package pwa

import (
	"encoding/json"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"heard/i18n"
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
	for _, marker := range []string{buildMarker, filesMarker, welcomeMarker, keepMarker} {
		if strings.Contains(sw, marker) {
			t.Errorf("sw.js still has the placeholder %q", marker)
		}
	}
	if !strings.Contains(sw, "const BUILD = '"+build+"';") {
		t.Fatal("sw.js does not carry the build hash")
	}
	f, err := FS().Open("sw.js")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil || st.Size() != int64(len(sw)) {
		t.Fatalf("stat sw.js = %v, %v; want size %d", st, err, len(sw))
	}
	if _, ok := f.(io.Seeker); !ok {
		t.Fatal("sw.js must be seekable for http.FileServer")
	}
}

// swList reads one of the lists the server writes into sw.js.
func swList(t *testing.T, name string, out any) {
	t.Helper()
	m := regexp.MustCompile(`const ` + name + ` = (.*?);\n`).FindStringSubmatch(readAll(t, "sw.js"))
	if m == nil {
		t.Fatalf("no %s in the served sw.js", name)
	}
	if err := json.Unmarshal([]byte(m[1]), out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// The service worker's lists name only files that exist, at their hashed
// addresses; every hashed file is listed; a young person's phone keeps no
// staff code or words, and every language's words are there for each role.
func TestWorkerListsMatchFiles(t *testing.T) {
	site, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var files, welcome []string
	var keep map[string]struct {
		Files []string
		Words map[string][]string
	}
	swList(t, "FILES", &files)
	swList(t, "WELCOME", &welcome)
	swList(t, "KEEP", &keep)
	listed := map[string]bool{}
	for _, u := range files {
		listed[u] = true
		a, ok := site.Lookup(u)
		if !ok || !a.Immutable || a.URL != u {
			t.Errorf("FILES lists %s, which is not a hashed file", u)
		}
	}
	for _, a := range site.byPlain {
		if a.Immutable && !listed[a.URL] {
			t.Errorf("%s (%s) is not in FILES", a.URL, a.Plain)
		}
	}
	for _, u := range welcome {
		if !listed[u] {
			t.Errorf("WELCOME lists %s, not in FILES", u)
		}
	}
	for _, want := range []string{"js/app.js", "js/i18n.js", "js/welcome.js", "css/app.css"} {
		if !slices.Contains(welcome, site.URL(want)) {
			t.Errorf("the welcome screen's %s is not kept on install", want)
		}
	}
	for _, not := range []string{"js/cards.js", "js/admin.js", "js/join.js", "css/cards.css"} {
		if slices.Contains(welcome, site.URL(not)) {
			t.Errorf("%s is kept on install, before anyone signs in", not)
		}
	}
	yp, staff := keep["young_person"], keep["staff"]
	for _, want := range []string{"js/cards.js", "js/feedback.js", "js/unlock.js", "js/home.js", "css/cards.css", "cards/not_safe.svg", "icons/badge-72.png"} {
		if !slices.Contains(yp.Files, site.URL(want)) {
			t.Errorf("a young person's phone does not keep %s", want)
		}
		if !slices.Contains(staff.Files, site.URL(want)) {
			t.Errorf("staff do not keep %s", want)
		}
	}
	for name := range staffOnly {
		if u := site.URL(name); u != "" && slices.Contains(yp.Files, u) {
			t.Errorf("a young person's phone keeps staff-only %s", name)
		}
		if u := site.URL(name); u != "" && !slices.Contains(staff.Files, u) {
			t.Errorf("staff do not keep %s", name)
		}
	}
	for _, lang := range []string{"en", "ar"} {
		if len(yp.Words[lang]) != 8 || len(staff.Words[lang]) != 11 { // young people: welcome, shell, cards, feedback, push, previews, buddies, mydata; staff: the same but mydata, and admin, kpis, placements, buddystaff
			t.Errorf("%s words kept: young person %v, staff %v", lang, yp.Words[lang], staff.Words[lang])
		}
		for _, u := range yp.Words[lang] {
			if strings.Contains(u, ".admin.") || strings.Contains(u, ".kpis.") || strings.Contains(u, ".buddystaff.") {
				t.Errorf("a young person's phone keeps staff words %s", u)
			}
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

// The welcome screen's own modules name only words of the welcome part: the
// first visit loads no other part.
func TestWelcomeScreenWordsInWelcomePart(t *testing.T) {
	parts, err := i18n.AppParts()
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\bt\('([a-z0-9_]+\.[a-z0-9_.]+)'`)
	for _, f := range []string{"js/app.js", "js/welcome.js", "js/language.js", "js/router.js"} {
		for _, m := range call.FindAllStringSubmatch(readAll(t, f), -1) {
			for _, lang := range []string{"en", "ar"} {
				if _, ok := parts[lang][i18n.PartWelcome][m[1]]; !ok {
					t.Errorf("%s uses %q, which is not in the %s welcome part", f, m[1], lang)
				}
			}
		}
	}
}

// A young person's modules never import staff-only code, so their phone
// neither loads nor keeps it.
func TestYoungPersonNeverLoadsStaffCode(t *testing.T) {
	b := &builder{src: map[string][]byte{}}
	err := fs.WalkDir(static, "static/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b.src[strings.TrimPrefix(p, "static/")], err = fs.ReadFile(static, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name := range b.src {
		if !strings.HasPrefix(name, "js/") || staffOnly[name] {
			continue
		}
		for _, dep := range b.staticImports(name) {
			checked++
			if staffOnly[dep] {
				t.Errorf("%s imports staff-only %s", name, dep)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d imports followed; is the pattern right?", checked)
	}
}
