package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// sentCard is one card send and the status it got.
type sentCard struct {
	id     string
	young  *youngUser
	status int
}

func (s sentCard) accepted() bool { return s.status == 200 || s.status == 201 }

// ledger remembers every card the tool sent.
type ledger struct {
	mu    sync.Mutex
	cards []sentCard
}

func (l *ledger) add(c sentCard) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cards = append(l.cards, c)
}

func (l *ledger) all() []sentCard {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.cards)
}

// myCardsLimit is how many cards GET /api/me/cards lists, newest first.
const myCardsLimit = 200

// consistency is what the check after a run found.
type consistency struct {
	accepted, failed int // sends answered 200/201; the rest
	// Accepted cards missing from the young person's list or from their key worker's inbox.
	missingFromMine, missingFromInbox int
	// notVerifiable: the young person's list was full, so an older card could not be seen.
	notVerifiable int
	// Sends not accepted whose card is stored all the same, and of those, missing from the inbox.
	failedButStored, failedStoredNotInInbox int
	acceptedNotPushed, failedButPushed      int
	// Of the accepted cards missing from a list, those GET /api/cards/:id
	// finds (stored, not listed) and those it does not (not stored at all).
	missingButFound, missingNotFound int
	readErrors                       int
}

// awaitPushes waits until every accepted card has been pushed, or no new
// push came for 15 s (at most 2 minutes), and says how long it waited.
func awaitPushes(ctx context.Context, l *ledger, push *pushReceiver) time.Duration {
	start := time.Now()
	lastCount, lastChange := -1, time.Now()
	for ctx.Err() == nil && time.Since(start) < 2*time.Minute && time.Since(lastChange) < 15*time.Second {
		waiting := 0
		for _, s := range l.all() {
			if s.accepted() && !push.pushed(s.id) {
				waiting++
			}
		}
		if waiting == 0 {
			break
		}
		if n := push.figures().received; n != lastCount {
			lastCount, lastChange = n, time.Now()
		}
		time.Sleep(500 * time.Millisecond)
	}
	return time.Since(start)
}

// checkConsistency reads, through the API, every young person's own cards and
// every key worker's inbox, and compares them with what each send was answered.
func checkConsistency(ctx context.Context, c *client, w *world, l *ledger) consistency {
	var r consistency
	sent := l.all()
	byYoung := map[*youngUser][]sentCard{}
	for _, s := range sent {
		byYoung[s.young] = append(byYoung[s.young], s)
	}
	mine := map[*youngUser]map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	limit := make(chan struct{}, 4)
	for y := range byYoung {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			ids, err := listedCardIDs(ctx, c, y.session, "/api/me/cards")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.readErrors++
				return
			}
			mine[y] = ids
		})
	}
	wg.Wait()
	inbox := map[*staffUser]map[string]bool{}
	for _, kw := range w.keyWorkers {
		ids, err := listedCardIDs(ctx, c, kw.session, "/api/cards/inbox")
		if err != nil {
			r.readErrors++
			continue
		}
		inbox[kw] = ids
	}
	for _, s := range sent {
		listed, read := mine[s.young]
		inInbox := inbox[s.young.keyWorker][s.id]
		switch {
		case s.accepted():
			r.accepted++
			if !w.push.pushed(s.id) {
				r.acceptedNotPushed++
			}
			missing := false
			if inbox[s.young.keyWorker] != nil && !inInbox {
				r.missingFromInbox++
				missing = true
			}
			switch {
			case !read || listed[s.id]:
			case len(listed) >= myCardsLimit:
				r.notVerifiable++
			default:
				r.missingFromMine++
				missing = true
			}
			if missing {
				r.lookUp(ctx, c, s)
			}
		default:
			r.failed++
			if w.push.pushed(s.id) {
				r.failedButPushed++
			}
			if listed[s.id] || inInbox {
				r.failedButStored++
				if !inInbox {
					r.failedStoredNotInInbox++
				}
			}
		}
	}
	return r
}

// lookUp reads a card missing from a list by its id, as its young person.
func (r *consistency) lookUp(ctx context.Context, c *client, s sentCard) {
	var card struct {
		ID string `json:"id"`
	}
	err := retry(ctx, "reading a card", func() answer { return c.as(ctx, s.young.session, http.MethodGet, "/api/cards/"+s.id, nil) }, &card)
	switch {
	case err == nil:
		r.missingButFound++
	case strings.Contains(err.Error(), "HTTP 404"):
		r.missingNotFound++
	default:
		r.readErrors++
	}
}

// listedCardIDs reads a list of cards and returns their ids.
// listedCardIDs reads the ids a list shows, every page of it (the inbox
// comes a page at a time and says when more follows).
func listedCardIDs(ctx context.Context, c *client, s *session, path string) (map[string]bool, error) {
	ids := map[string]bool{}
	for page := 0; ; page++ {
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			More bool `json:"more"`
		}
		url := fmt.Sprintf("%s?page=%d", path, page)
		if err := retry(ctx, "reading "+url, func() answer { return c.as(ctx, s, http.MethodGet, url, nil) }, &list); err != nil {
			return nil, err
		}
		for _, it := range list.Items {
			ids[it.ID] = true
		}
		if !list.More {
			return ids, nil
		}
	}
}

func (r consistency) print() {
	fmt.Printf("Consistency after the run: %d sends accepted (200/201), %d not", r.accepted, r.failed)
	if r.readErrors > 0 {
		fmt.Printf(" (%d lists could not be read)", r.readErrors)
	}
	fmt.Println()
	fmt.Printf("  accepted: %s missing from the young person's cards, %s missing from the key worker's inbox, %s without a push",
		alarm(r.missingFromMine), alarm(r.missingFromInbox), alarm(r.acceptedNotPushed))
	if r.notVerifiable > 0 {
		fmt.Printf(" (%d older than the %d newest listed, not checked)", r.notVerifiable, myCardsLimit)
	}
	fmt.Println()
	if r.missingButFound+r.missingNotFound > 0 {
		fmt.Printf("  !! of the accepted cards missing from a list, GET /api/cards/:id finds %d and answers 404 for %d\n", r.missingButFound, r.missingNotFound)
	}
	fmt.Printf("  not accepted: %s stored anyway (%s of them not in the inbox), %s pushed anyway\n",
		alarm(r.failedButStored), alarm(r.failedStoredNotInInbox), alarm(r.failedButPushed))
}
