package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"heard"
	"heard/store"
)

// The read cache answers exactly what the database holds: a change made
// through any store handle on the embedded server is read at once through
// every other, however reads and writes interleave, and "not found" is never
// remembered.
func TestReadCacheAnswersWhatTheDatabaseHolds(t *testing.T) {
	s, _, ctx := storeNew(t)
	other, err := s.Reopen(ctx)
	storeCheck(t, err)
	a := storeArea(t, s, "A")

	kim := heard.Staff{ID: heard.NewID(), AreaID: a.ID, Email: "kim@a.test", Name: "Kim", Role: heard.RoleKeyWorker, Language: "en", Hours: heard.DefaultHours()}
	if _, err := other.StaffMember(ctx, a.ID, kim.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("before it exists: %v", err)
	}
	storeCheck(t, s.CreateStaff(ctx, kim))
	if got, err := other.StaffMember(ctx, a.ID, kim.ID); err != nil || got.Name != "Kim" {
		t.Fatalf("just created, read through the other handle: %v %+v", err, got)
	}

	// Writers on both handles and readers on both, at once: once the writers
	// are done, every read shows the last name written.
	handles := []*store.Store{s, other}
	const rounds = 60
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for h, handle := range handles {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for r := range rounds {
				name := fmt.Sprintf("Kim %d-%d", h, r)
				if _, err := handle.ChangeStaff(ctx, a.ID, kim.ID, func(x *heard.Staff) error { x.Name = name; return nil }); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for r := range 4 {
		handle := handles[r%2]
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := handle.StaffMember(ctx, a.ID, kim.ID); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	// What the database holds, read past the cache.
	var stored heard.Staff
	storeCheck(t, s.DB.Collection("staff").FindOne(ctx, map[string]any{"_id": kim.ID}).Decode(&stored))
	for h, handle := range handles {
		got, err := handle.StaffMember(ctx, a.ID, kim.ID)
		if err != nil || got.Name != stored.Name {
			t.Errorf("handle %d reads %q, the database holds %q (%v)", h, got.Name, stored.Name, err)
		}
	}

	// A write that may change any document of the collection (filtered by
	// area, not by _id) is read at once too.
	y := heard.YoungPerson{ID: heard.NewID(), AreaID: a.ID, FirstName: "Zainab", Language: "en"}
	storeCheck(t, s.CreateYoungPerson(ctx, y))
	if _, err := other.YoungPerson(ctx, a.ID, y.ID); err != nil {
		t.Fatal(err)
	}
	storeCheck(t, s.RemoveYoungPerson(ctx, a.ID, y.ID))
	if _, err := other.YoungPerson(ctx, a.ID, y.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("a removed young person is still read: %v", err)
	}
}
