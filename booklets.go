package heard

import (
	"bytes"
	"context"
	"strings"
	"time"
)

// The welcome booklet: a placement's guide for a young person moving there,
// as pages readable on a phone (what to expect, your rights, how to complain,
// how to get an advocate, who to call, and the home's own pages), in the
// languages the placement writes them in, and optionally a PDF it uploads.

// BookletPageKinds are the standard pages (Heard offers a starting text for
// each); "own" is a page of the home's own.
var BookletPageKinds = []string{"what_to_expect", "your_rights", "complaints", "advocate", "who_to_call", "own"}

// Limits of a booklet.
const (
	BookletPagesMax      = 40
	BookletTitleMaxChars = 80
	BookletBodyMaxChars  = 4000
	BookletPDFMaxBytes   = 10 << 20
)

// BookletPage is one page of the welcome booklet.
type BookletPage struct {
	Kind  string `bson:"kind" json:"kind"`
	Title string `bson:"title" json:"title"`
	Body  string `bson:"body" json:"body"`
	// Lang is the page's language (one of Heard's); a young person is shown
	// the pages in their language where there are some, else all of them.
	Lang string `bson:"lang" json:"lang"`
}

// Booklet is the booklet's pages, as its staff keep them.
type Booklet struct {
	Pages []BookletPage `json:"pages"`
}

// Validate checks the pages; language reports whether Heard speaks a language.
func (b Booklet) Validate(language func(string) bool) map[string]string {
	f := problems{}
	f.check(b.Pages != nil, "pages", "required")
	f.check(len(b.Pages) <= BookletPagesMax, "pages", "count")
	for _, p := range b.Pages {
		kind := false
		for _, k := range BookletPageKinds {
			kind = kind || p.Kind == k
		}
		f.check(kind, "pages.kind", "one_of")
		f.check(textFits(p.Title, 1, BookletTitleMaxChars), "pages.title", "length")
		f.check(textFits(p.Body, 1, BookletBodyMaxChars), "pages.body", "length")
		f.check(language(p.Lang), "pages.lang", "unsupported_language")
	}
	return f
}

// Normalize trims the texts.
func (b Booklet) Normalize() Booklet {
	out := Booklet{Pages: []BookletPage{}}
	for _, p := range b.Pages {
		out.Pages = append(out.Pages, BookletPage{Kind: p.Kind, Title: strings.TrimSpace(p.Title), Body: strings.TrimSpace(p.Body), Lang: p.Lang})
	}
	return out
}

// PagesFor are the pages shown to a reader of lang: those in lang where
// there are any, else every page.
func PagesFor(pages []BookletPage, lang string) []BookletPage {
	mine := []BookletPage{}
	for _, p := range pages {
		if p.Lang == lang {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return pages
	}
	return mine
}

// BookletPDF describes the placement's PDF booklet (its bytes are kept apart).
type BookletPDF struct {
	Bytes   int       `bson:"bytes" json:"bytes"`
	AddedAt time.Time `bson:"addedAt" json:"addedAt"`
}

// CheckPDF refuses what is not a PDF of at most BookletPDFMaxBytes: it must
// begin with the PDF header and end with its end-of-file mark.
func CheckPDF(b []byte) error {
	problem := func(code, msg string) error { return &Problem{Kind: ErrInvalid, Code: code, Message: msg} }
	switch {
	case len(b) == 0:
		return problem("pdf_required", "Choose a PDF to send.")
	case len(b) > BookletPDFMaxBytes:
		return problem("pdf_too_large", "The PDF is larger than 10 MB.")
	case !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[max(0, len(b)-1024):], []byte("%%EOF")):
		return problem("pdf_format", "This is not a PDF: send the booklet as a PDF file.")
	}
	return nil
}

// BookletService is what placement staff do with the welcome booklet, and how
// those who may see the placement get its PDF.
type BookletService interface {
	// ChangeBooklet replaces the booklet's pages (the placement's own staff).
	ChangeBooklet(ctx context.Context, p Principal, placementID string, b Booklet) (Booklet, error)
	// PutBookletPDF keeps (or replaces) the placement's PDF booklet.
	PutBookletPDF(ctx context.Context, p Principal, placementID string, pdf []byte) (BookletPDF, error)
	RemoveBookletPDF(ctx context.Context, p Principal, placementID string) error
	// BookletPDFFile returns the PDF and the placement's name.
	BookletPDFFile(ctx context.Context, p Principal, placementID string) ([]byte, string, error)
}
