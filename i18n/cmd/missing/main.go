// Command missing lists what each language's catalogue lacks against English,
// with the English words to translate, and every other problem the catalogue
// test (go test ./i18n -run TestCatalogues) would report.
//
//	go run ./i18n/cmd/missing              # every language, as text
//	go run ./i18n/cmd/missing -lang cy     # one language
//	go run ./i18n/cmd/missing -json        # per file, the missing keys with their English (plural messages
//	                                       # with the forms each language needs), ready to translate
//	go run ./i18n/cmd/missing -apply done.json   # merge translated messages (the -json shape) into i18n/locales
//
// It exits with status 1 when anything is missing or wrong.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"heard/i18n"
)

func main() {
	lang := flag.String("lang", "", "only this language (e.g. cy)")
	asJSON := flag.Bool("json", false, "print the missing keys as JSON: file → key → English message")
	apply := flag.String("apply", "", "merge this JSON file of translations (file → key → message) into -dir, then check")
	dir := flag.String("dir", "i18n/locales", "the catalogue folder, for -apply")
	flag.Parse()

	if *apply != "" {
		b, err := os.ReadFile(*apply)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		var translated map[string]map[string]any
		if err := json.Unmarshal(b, &translated); err != nil {
			fmt.Fprintln(os.Stderr, *apply+":", err)
			os.Exit(2)
		}
		if err := i18n.Apply(*dir, translated); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("Merged into %s. Run this again without -apply to check them (the catalogues are built in).\n", *dir)
		return
	}

	problems, err := i18n.Check()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var shown []i18n.Problem
	for _, p := range problems {
		if *lang == "" || p.Lang == *lang {
			shown = append(shown, p)
		}
	}
	if *asJSON {
		out := map[string]map[string]any{}
		for _, p := range shown {
			if p.Kind != i18n.ProblemMissing {
				continue
			}
			if out[p.File] == nil {
				out[p.File] = map[string]any{}
			}
			out[p.File][p.Key] = i18n.Template(p.Lang, p.English)
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	} else {
		printText(shown)
	}
	if len(shown) > 0 {
		os.Exit(1)
	}
}

func printText(problems []i18n.Problem) {
	if len(problems) == 0 {
		fmt.Println("Every catalogue is complete.")
		return
	}
	counts := map[string]int{}
	lastLang := ""
	for _, p := range problems {
		if p.Lang != lastLang {
			fmt.Printf("\n== %s\n", p.Lang)
			lastLang = p.Lang
		}
		counts[p.Lang]++
		if p.Kind == i18n.ProblemMissing {
			en, _ := json.Marshal(p.English)
			fmt.Printf("%s\tmissing\t%s\t%s", p.File, p.Key, en)
			if p.Detail != "" {
				fmt.Printf("\t(%s)", p.Detail)
			}
			fmt.Println()
			continue
		}
		fmt.Printf("%s\t%s\t%s\t%s\n", p.File, p.Kind, p.Key, p.Detail)
	}
	fmt.Println()
	for _, l := range i18n.Languages() {
		if n := counts[l.Code]; n > 0 {
			fmt.Printf("%s (%s): %d to do\n", l.Code, l.English, n)
		}
	}
}
