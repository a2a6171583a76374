package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Apply merges translated messages (file name → key → message, the shape
// `go run ./i18n/cmd/missing -json` prints) into the catalogue files under
// dir (i18n/locales), writing each file with its keys in English's order so
// that files in every language read alike and diffs stay small.
func Apply(dir string, translated map[string]map[string]any) error {
	for name, msgs := range translated {
		lang, rest, _ := strings.Cut(name, ".")
		if lang == "" || lang == Default || strings.ContainsAny(name, `/\`) || !strings.HasSuffix(name, ".json") {
			return fmt.Errorf("i18n: %q is not a translation's catalogue file", name)
		}
		file := filepath.Join(dir, name)
		have := map[string]any{}
		if b, err := os.ReadFile(file); err == nil {
			if err := json.Unmarshal(b, &have); err != nil {
				return fmt.Errorf("i18n: %s: %w", file, err)
			}
		} else if !os.IsNotExist(err) {
			return err
		}
		for k, v := range msgs {
			have[k] = v
		}
		order, err := keyOrder(filepath.Join(dir, Default+"."+rest))
		if err != nil {
			return err
		}
		b, err := encodeOrdered(have, order)
		if err != nil {
			return fmt.Errorf("i18n: %s: %w", name, err)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// keyOrder is the order of the keys in a catalogue file.
func keyOrder(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

var formOrder = []string{"zero", "one", "two", "few", "many", "other"}

// encodeOrdered writes msgs as indented JSON: keys in order first, then any
// others; plural forms in CLDR's order.
func encodeOrdered(msgs map[string]any, order []string) ([]byte, error) {
	var keys []string
	seen := map[string]bool{}
	for _, k := range order {
		if _, ok := msgs[k]; ok && !seen[k] {
			keys = append(keys, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range msgs {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	keys = append(keys, rest...)
	var buf bytes.Buffer
	buf.WriteString("{\n")
	for i, k := range keys {
		fmt.Fprintf(&buf, "  %s: ", quote(k))
		switch v := msgs[k].(type) {
		case string:
			buf.WriteString(quote(v))
		case map[string]any:
			buf.WriteString("{\n")
			var forms []string
			for _, f := range formOrder {
				if _, ok := v[f]; ok {
					forms = append(forms, f)
				}
			}
			if len(forms) != len(v) {
				return nil, fmt.Errorf("%s: plural forms are %s", k, strings.Join(formOrder, ", "))
			}
			for j, f := range forms {
				s, ok := v[f].(string)
				if !ok {
					return nil, fmt.Errorf("%s: the %s form is not a string", k, f)
				}
				fmt.Fprintf(&buf, "    %s: %s", quote(f), quote(s))
				if j < len(forms)-1 {
					buf.WriteString(",")
				}
				buf.WriteString("\n")
			}
			buf.WriteString("  }")
		default:
			return nil, fmt.Errorf("%s: a message is a string or plural forms", k)
		}
		if i < len(keys)-1 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}

func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}
