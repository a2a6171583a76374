package pwa

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"heard/i18n"
)

// The subset fonts cover every letter their languages' words use: each
// Arabic-script or Ethiopic letter of those catalogues is inside the
// unicode-range of the script's font (scripts/fonts/subset.sh cuts the fonts
// to the same ranges), and every language's script has a font stylesheet
// unless it is Latin.
func TestFontsCoverTheCatalogues(t *testing.T) {
	sheets := map[string]string{"Arab": "css/fonts-arab.css", "Ethi": "css/fonts-ethi.css"}
	scriptOf := map[string]*unicode.RangeTable{"Arab": unicode.Arabic, "Ethi": unicode.Ethiopic}
	for _, l := range i18n.Languages() {
		if l.Script == "Latn" {
			continue
		}
		sheet, ok := sheets[l.Script]
		if !ok {
			t.Errorf("%s is written in %s, which has no font stylesheet", l.Code, l.Script)
			continue
		}
		ranges := unicodeRanges(t, readAll(t, sheet))
		_, msgs, _ := i18n.Lookup(l.Code)
		missing := map[rune]bool{}
		for _, v := range msgs {
			for _, s := range texts(v) {
				for _, r := range s {
					if unicode.Is(scriptOf[l.Script], r) && !inRanges(r, ranges) {
						missing[r] = true
					}
				}
			}
		}
		for r := range missing {
			t.Errorf("%s uses %q (U+%04X), outside the unicode-range of %s", l.Code, r, r, sheet)
		}
	}
}

func texts(v any) []string {
	switch m := v.(type) {
	case string:
		return []string{m}
	case map[string]any:
		var out []string
		for _, s := range m {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

var rangeRe = regexp.MustCompile(`U\+([0-9A-Fa-f]+)(?:-([0-9A-Fa-f]+))?`)

func unicodeRanges(t *testing.T, css string) [][2]rune {
	t.Helper()
	_, decl, ok := strings.Cut(css, "unicode-range:")
	if !ok {
		t.Fatal("no unicode-range")
	}
	decl, _, _ = strings.Cut(decl, ";")
	var out [][2]rune
	for _, m := range rangeRe.FindAllStringSubmatch(decl, -1) {
		lo, _ := strconv.ParseInt(m[1], 16, 32)
		hi := lo
		if m[2] != "" {
			hi, _ = strconv.ParseInt(m[2], 16, 32)
		}
		out = append(out, [2]rune{rune(lo), rune(hi)})
	}
	return out
}

func inRanges(r rune, ranges [][2]rune) bool {
	for _, rg := range ranges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// A first visit without the internet is told so in the shell's language.
func TestShellSaysOfflineInItsLanguage(t *testing.T) {
	site, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Languages() {
		html := string(site.Shell(l.Code).Body)
		if !strings.Contains(html, `lang="`+l.Code+`" dir="`+l.Dir+`"`) {
			t.Errorf("%s: the shell does not start in the language", l.Code)
		}
		if l.Code != i18n.Default && !strings.Contains(html, i18n.T(l.Code, "app.retry")) {
			t.Errorf("%s: the shell's offline words are not in the language", l.Code)
		}
		if strings.Contains(html, "<!-- boot") {
			t.Errorf("%s: a marker is left in the shell", l.Code)
		}
	}
}
