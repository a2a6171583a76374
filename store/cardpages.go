package store

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
)

// A young person's list of cards, in pages. Their list keeps every card not
// yet acknowledged, and it is written at each card they send, so a young
// person who sends many cards before anyone acknowledges them made every
// send slower than the one before (the whole list is rewritten). So the list
// document keeps only its newest cards not yet acknowledged (and the newest
// acknowledged ones, keepYoungPersons); when it holds more than twice
// CardPageSize of them, all but the newest CardPageSize move, oldest first,
// to pages of CardPageSize: documents "<list>/<key>" that the list names by
// their short random keys (the names are rewritten with the list at every
// send, so they are kept small).
// A send then costs the same however many cards wait.
//
// Each entry is in one place. The list notes the newest time an entry in any
// page was received (SpilledUpTo): a card received after it is only ever in
// the list document, so a new card, the common case, is put there without
// reading a page. An entry that may be in a page is looked for in the pages
// and changed there. A page whose entries are all acknowledged is folded back
// into the list (which trims the acknowledged ones as before) and deleted.
//
// Every step is safe whatever moment it stops:
//   - moving entries writes the pages first and then, in one write, takes the
//     entries out of the list and names the pages; it gives up (and deletes
//     its pages) if any of those entries changed meanwhile. A page the list
//     does not name is never read.
//   - folding names the page's entries in the list and stops naming the page
//     in one write, then deletes the page.
//   - readers read the list and then its pages, and read again when a page it
//     named has gone (folded meanwhile). An entry found twice (a retry racing
//     a move) counts once, acknowledged if either copy is.

// CardPageSize is how many cards not yet acknowledged a page holds, and how
// many the list document itself keeps once it has pages. Each card sent
// rewrites the list document, so it is kept small: with 200 young people
// sending back to back, 25 took Heard's CPU per card from 3.39 to 3.11 ms
// against 50, and made no difference for one young person, whose sends
// mostly go together into one write (together.go). (A variable so that
// tests can make it small.)
var CardPageSize = 25

// pagedTries bounds how many times a reader or a change starts again because
// the pages changed under it; each time means a move or a fold finished
// meanwhile, which happens once per CardPageSize cards.
const pagedTries = 8

var errPagesMoving = errors.New("store: a young person's list kept changing its pages")

// listPaged puts an entry in a young person's list (ListCard).
func (s *Store) listPaged(ctx context.Context, area, listID string, e cardEntry) error {
	var inPages, full bool
	_, err := changeDoc(ctx, s, colCardLists, area, listID, func(l *cardList, exists bool) (bool, error) {
		if !exists {
			*l = cardList{ID: listID, AreaID: area}
		}
		inPages, full = mayBeInPages(l, e), false
		if inPages {
			return false, nil
		}
		changed := putIn(l, e, keepYoungPersons)
		full = openEntries(l.Entries) > 2*CardPageSize
		return changed, nil
	})
	switch {
	case err != nil:
		return err
	case inPages:
		return s.changeInPages(ctx, area, listID, e, false)
	case full:
		s.movePages(ctx, area, listID)
	}
	return nil
}

// unlistPaged takes an entry out of a young person's list, wherever it is.
func (s *Store) unlistPaged(ctx context.Context, area, listID string, e cardEntry) error {
	inPages := false
	_, err := changeDoc(ctx, s, colCardLists, area, listID, func(l *cardList, exists bool) (bool, error) {
		inPages = exists && mayBeInPages(l, e)
		return exists && unlist(l, e.ID), nil
	})
	if err != nil || !inPages {
		return err
	}
	return s.changeInPages(ctx, area, listID, e, true)
}

// mayBeInPages reports whether an entry may be in one of the list's pages.
func mayBeInPages(l *cardList, e cardEntry) bool {
	return len(l.Pages) > 0 && !e.ReceivedAt.After(l.SpilledUpTo)
}

func openEntries(es []cardEntry) int {
	n := 0
	for _, e := range es {
		if !e.Acked {
			n++
		}
	}
	return n
}

// changeInPages puts an entry in (or, with remove, takes it out of) a young
// person's list whose pages may hold it: in the page that holds it, else in
// the list document, provided the list still names the pages read.
func (s *Store) changeInPages(ctx context.Context, area, listID string, e cardEntry, remove bool) error {
	for range pagedTries {
		head, pages, err := s.readPaged(ctx, area, listID)
		if err != nil {
			return err
		}
		inPage, err := s.changeInPage(ctx, area, listID, pages, e, remove)
		if errors.Is(err, errPagesMoving) {
			continue
		}
		if err != nil {
			return err
		}
		stale, full := false, false
		_, err = changeDoc(ctx, s, colCardLists, area, listID, func(l *cardList, exists bool) (bool, error) {
			stale, full = false, false
			switch {
			case remove:
				return exists && unlist(l, e.ID), nil
			case inPage:
				// A copy the list document holds (a retry racing a move) goes,
				// unless it is the acknowledged one.
				i := slices.IndexFunc(l.Entries, func(x cardEntry) bool { return x.ID == e.ID })
				return i >= 0 && !l.Entries[i].Acked && unlist(l, e.ID), nil
			case !exists:
				*l = cardList{ID: listID, AreaID: area}
			}
			if stale = !slices.Equal(l.Pages, head.Pages); stale {
				return false, nil
			}
			changed := putIn(l, e, keepYoungPersons)
			full = openEntries(l.Entries) > 2*CardPageSize
			return changed, nil
		})
		if err != nil || stale {
			if err == nil {
				continue
			}
			return err
		}
		if full {
			s.movePages(ctx, area, listID)
		}
		return nil
	}
	return errPagesMoving
}

// changeInPage changes the entry in the page that holds it, if one does, and
// folds the page back into the list once nothing in it waits.
func (s *Store) changeInPage(ctx context.Context, area, listID string, pages []cardList, e cardEntry, remove bool) (bool, error) {
	i := slices.IndexFunc(pages, func(p cardList) bool {
		return slices.ContainsFunc(p.Entries, func(x cardEntry) bool { return x.ID == e.ID })
	})
	if i < 0 {
		return false, nil
	}
	gone, settled := false, false
	var entries []cardEntry
	_, err := changeDoc(ctx, s, colCardLists, area, pages[i].ID, func(l *cardList, exists bool) (bool, error) {
		gone, settled, entries = !exists, false, nil
		if gone {
			return false, nil
		}
		var changed bool
		if remove {
			changed = unlist(l, e.ID)
		} else {
			changed = putIn(l, e, func(es []cardEntry) []cardEntry { return es })
		}
		if settled = openEntries(l.Entries) == 0; settled {
			entries = slices.Clone(l.Entries)
		}
		return changed, nil
	})
	switch {
	case err != nil:
		return false, err
	case gone:
		return false, errPagesMoving // folded since it was read
	case settled:
		return true, s.foldPage(ctx, area, listID, strings.TrimPrefix(pages[i].ID, listID+"/"), entries)
	}
	return true, nil
}

// foldPage puts a page's entries, all acknowledged, back in the list document
// (trimmed as ever) and stops naming the page, then deletes it.
func (s *Store) foldPage(ctx context.Context, area, listID, pageKey string, entries []cardEntry) error {
	_, err := changeDoc(ctx, s, colCardLists, area, listID, func(l *cardList, exists bool) (bool, error) {
		if !exists || !slices.Contains(l.Pages, pageKey) {
			return false, nil
		}
		l.Pages = slices.DeleteFunc(l.Pages, func(key string) bool { return key == pageKey })
		for _, e := range entries {
			if !slices.ContainsFunc(l.Entries, func(x cardEntry) bool { return x.ID == e.ID }) {
				l.Entries = append(l.Entries, e)
			}
		}
		sortEntries(l.Entries)
		l.Entries = keepYoungPersons(l.Entries)
		return true, nil
	})
	if err != nil {
		return err
	}
	return s.c(colCardLists).deleteID(ctx, pageID(listID, pageKey))
}

// pageKeyLength is how many random characters name a page: 40 bits, which
// tell a list's pages apart (two the same would fail the second page's insert,
// and the move would be tried again at the next send).
const pageKeyLength = 8

// pageID is the _id of a list's page.
func pageID(listID, key string) string { return listID + "/" + key }

// movePages moves all but the newest CardPageSize entries not yet
// acknowledged out of a list document into new pages, oldest first. It is
// not part of any send's outcome: the list is whole whether or not it moves,
// and should this stop short the next card sent tries again. One move per
// list at a time in this process; another instance's move at the same time
// finds the entries gone and gives up.
func (s *Store) movePages(ctx context.Context, area, listID string) {
	if _, busy := s.movingPages.LoadOrStore(listID, true); busy {
		return
	}
	defer s.movingPages.Delete(listID)
	head, err := findByID[cardList](ctx, s.c(colCardLists), area, listID)
	if err != nil {
		return
	}
	var open []cardEntry // oldest first
	for _, e := range slices.Backward(head.Entries) {
		if !e.Acked {
			open = append(open, e)
		}
	}
	if len(open) <= 2*CardPageSize {
		return
	}
	move := open[:len(open)-CardPageSize]
	var written []string
	for chunk := range slices.Chunk(move, CardPageSize) {
		key := rand.Text()[:pageKeyLength]
		page := cardList{ID: pageID(listID, key), AreaID: area, List: listID, Entries: slices.Clone(chunk)}
		slices.Reverse(page.Entries) // newest first, as every list
		body, err := withRev(page, 1)
		if err == nil {
			_, err = s.c(colCardLists).InsertOne(ctx, body)
		}
		if err != nil {
			return // a page written is named by nothing, so never read
		}
		written = append(written, key)
	}
	moved := make(map[string]cardEntry, len(move))
	for _, e := range move {
		moved[e.ID] = e
	}
	newest := move[len(move)-1].ReceivedAt
	gaveUp := false
	_, err = changeDoc(ctx, s, colCardLists, area, listID, func(l *cardList, exists bool) (bool, error) {
		still := 0
		for _, e := range l.Entries {
			if m, ok := moved[e.ID]; ok && m == e {
				still++
			}
		}
		if gaveUp = !exists || still != len(moved); gaveUp {
			return false, nil
		}
		l.Entries = slices.DeleteFunc(l.Entries, func(e cardEntry) bool { _, ok := moved[e.ID]; return ok })
		l.Pages = append(l.Pages, written...)
		if newest.After(l.SpilledUpTo) {
			l.SpilledUpTo = newest
		}
		return true, nil
	})
	if err == nil && gaveUp {
		// Known not to be named: deleted now rather than left unread.
		for _, key := range written {
			_ = s.c(colCardLists).deleteID(context.WithoutCancel(ctx), pageID(listID, key))
		}
	}
}

// readPaged reads a young person's list document and the pages it names.
func (s *Store) readPaged(ctx context.Context, area, listID string) (cardList, []cardList, error) {
	for range pagedTries {
		head, err := s.cardList(ctx, area, listID)
		if err != nil || len(head.Pages) == 0 {
			return head, nil, err
		}
		pages, err := forEachID(ctx, head.Pages, func(ctx context.Context, key string) (cardList, error) {
			return findByID[cardList](ctx, s.c(colCardLists), area, pageID(listID, key))
		})
		if err != nil {
			return head, nil, err
		}
		if len(pages) == len(head.Pages) {
			return head, pages, nil
		}
		// A page was folded into the list since it was read.
	}
	return cardList{}, nil, errPagesMoving
}

// youngPersonsEntries is a young person's whole list, newest first: the list
// document and its pages, each card once, trimmed as the list document is.
func (s *Store) youngPersonsEntries(ctx context.Context, area, youngPersonID string) ([]cardEntry, error) {
	head, pages, err := s.readPaged(ctx, area, youngPersonListID(area, youngPersonID))
	if err != nil || len(pages) == 0 {
		return head.Entries, err
	}
	at := make(map[string]int, len(head.Entries))
	all := slices.Clone(head.Entries)
	for i, e := range all {
		at[e.ID] = i
	}
	for _, p := range pages {
		for _, e := range p.Entries {
			i, seen := at[e.ID]
			switch {
			case !seen:
				at[e.ID] = len(all)
				all = append(all, e)
			case e.Acked && !all[i].Acked:
				all[i] = e
			}
		}
	}
	sortEntries(all)
	return keepYoungPersons(all), nil
}
