package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// The app loads its words a part at a time, so a first visit carries only the
// welcome screen's words in one language:
//
//   - "welcome": the first screen and the frame around every screen (the keys
//     of locales/<lang>.json named in welcomeKeys);
//   - "shell": the rest of locales/<lang>.json (joining, the PIN, signing in,
//     home, settings, errors), loaded for any other screen;
//   - one part per feature file, locales/<lang>.<feature>.json ("cards",
//     "feedback", "admin", "kpis", "push"), loaded with the feature's code.
//
// Words only the server uses ("server") are never sent to the app.
const (
	PartWelcome = "welcome"
	PartShell   = "shell"
)

// welcomeKeys are the keys (or, ending in ".", key prefixes) of the welcome part.
var welcomeKeys = []string{"app.", "nav.", "welcome.", "settings.language", "settings.language_area", "settings.language_other"}

// serverParts are never sent to the app.
var serverParts = map[string]bool{"server": true}

// PartOf names the part of the app's words that a key from a catalogue file
// belongs to (file is "" for locales/<lang>.json, else the feature's name).
func PartOf(file, key string) string {
	if file != "" {
		return file
	}
	for _, w := range welcomeKeys {
		if key == w || (strings.HasSuffix(w, ".") && strings.HasPrefix(key, w)) {
			return PartWelcome
		}
	}
	return PartShell
}

// AppParts returns, for each language, the app's words split into parts (part
// name to messages). Server-only words are left out.
func AppParts() (map[string]map[string]Catalogue, error) {
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := map[string]map[string]Catalogue{}
	for _, f := range files {
		lang, file, _ := strings.Cut(strings.TrimSuffix(path.Base(f), ".json"), ".")
		if serverParts[file] {
			continue
		}
		b, err := locales.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var msgs Catalogue
		if err := json.Unmarshal(b, &msgs); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]Catalogue{}
		}
		for k, v := range msgs {
			p := PartOf(file, k)
			if out[lang][p] == nil {
				out[lang][p] = Catalogue{}
			}
			out[lang][p][k] = v
		}
	}
	if pseudoRegistered {
		out[Pseudo] = map[string]Catalogue{}
		for part, msgs := range out[Default] {
			out[Pseudo][part] = Catalogue{}
			for k := range msgs {
				out[Pseudo][part][k] = catalogues[Pseudo][k]
			}
		}
	}
	return out, nil
}
