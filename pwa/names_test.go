package pwa

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"heard/i18n"
)

var (
	// button(t('a.b'), { … 'aria-label': t('a.b_name', { name }) … }), the
	// words either way possibly chosen with a ternary.
	namedButtonRe = regexp.MustCompile(`(?s)button\(t\(([^()]*?)\),\s*\{(?:[^{}]|\{[^{}]*\})*?'aria-label': t\(([^(),]*)`)
	keyRe         = regexp.MustCompile(`'([a-z_]+(?:\.[a-z_]+)+)'`)
	placeholderRe = regexp.MustCompile(`\{\w+\}`)
)

// A button that shows words and is named in more words (the person or thing
// it acts on) has a name that holds the words it shows, in every language, so
// a person who says what they see to their voice control reaches it (WCAG
// 2.5.3). The screens' own check runs in English and Arabic (e2e); this one
// runs every language's words for every such button in the app's code.
func TestButtonNamesHoldTheirWordsInEveryLanguage(t *testing.T) {
	static, err := fs.Sub(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	type pair struct{ file, shown, name string }
	var pairs []pair
	err = fs.WalkDir(static, "js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		for _, m := range namedButtonRe.FindAllStringSubmatch(string(src), -1) {
			shown, names := keyRe.FindAllStringSubmatch(m[1], -1), keyRe.FindAllStringSubmatch(m[2], -1)
			if len(shown) != len(names) || len(shown) == 0 {
				t.Errorf("%s: cannot pair the words shown %q with the name %q", p, m[1], m[2])
				continue
			}
			for i := range shown {
				pairs = append(pairs, pair{p, shown[i][1], names[i][1]})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) < 10 {
		t.Fatalf("found only %d named buttons in the app's code; the pattern has stopped matching", len(pairs))
	}
	norm := func(s string) string {
		return strings.ToLower(strings.Join(strings.Fields(placeholderRe.ReplaceAllString(s, "X")), " "))
	}
	for _, l := range i18n.Languages() {
		for _, p := range pairs {
			shown, name := i18n.T(l.Code, p.shown), i18n.T(l.Code, p.name)
			if !strings.Contains(norm(name), norm(shown)) {
				t.Errorf("%s (%s): the name %q (%s) does not hold the words shown %q (%s)", l.Code, p.file, name, p.name, shown, p.shown)
			}
		}
	}
}
