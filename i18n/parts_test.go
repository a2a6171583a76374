package i18n

import "testing"

// The app's words come in parts: every key of every app catalogue file is in
// exactly one part, the welcome part is small and has the first screen's
// words, and server-only words are never sent to the app.
func TestAppParts(t *testing.T) {
	parts, err := AppParts()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ar"} {
		ps := parts[lang]
		seen := map[string]string{}
		total := 0
		for part, msgs := range ps {
			for k := range msgs {
				if other, ok := seen[k]; ok {
					t.Errorf("%s: %s is in %s and %s", lang, k, other, part)
				}
				seen[k] = part
				total++
			}
		}
		for _, k := range []string{"app.name", "welcome.join", "welcome.signin", "settings.language", "nav.settings"} {
			if seen[k] != PartWelcome {
				t.Errorf("%s: %s is in %q, want the welcome part", lang, k, seen[k])
			}
		}
		for k, want := range map[string]string{"join.title": PartShell, "unlock.submit": PartShell, "settings.large_text": PartShell} {
			if _, ok := catalogues[lang][k]; ok && seen[k] != want {
				t.Errorf("%s: %s is in %q, want %q", lang, k, seen[k], want)
			}
		}
		if _, ok := seen["server.app_name"]; ok {
			t.Errorf("%s: server words are sent to the app", lang)
		}
		if n := len(ps[PartWelcome]); n == 0 || n > total/5 {
			t.Errorf("%s: the welcome part has %d of %d words", lang, n, total)
		}
		if total != len(catalogues[lang])-1 { // all but server.app_name
			t.Errorf("%s: the parts hold %d words, the catalogue %d", lang, total, len(catalogues[lang]))
		}
	}
}
