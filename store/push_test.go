package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

// errOf keeps only the error of a call that also returns a value.
func errOf[T any](_ T, err error) error { return err }

func pushMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func pushSub(area, owner, endpoint string) store.PushSubscription {
	return store.PushSubscription{AreaID: area, Endpoint: endpoint, P256dh: "key", Auth: "auth", OwnerID: owner, OwnerRole: heard.RoleKeyWorker}
}

func TestPushSubscriptionsMoveBetweenPeopleAndAreCapped(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	areaA, areaB := heard.NewID(), heard.NewID()
	kim, ola := heard.NewID(), heard.NewID()

	first, err := st.SavePushSubscription(ctx, pushSub(areaA, kim, "https://push.example/1"))
	pushMust(t, err)
	again, err := st.SavePushSubscription(ctx, pushSub(areaA, kim, "https://push.example/1"))
	pushMust(t, err)
	if again.ID != first.ID {
		t.Fatalf("registering the same endpoint again made a new subscription")
	}
	// Someone in another area signs in on the same browser and registers it: it is theirs now.
	moved, err := st.SavePushSubscription(ctx, pushSub(areaB, ola, "https://push.example/1"))
	pushMust(t, err)
	if moved.OwnerID != ola || moved.AreaID != areaB {
		t.Fatalf("endpoint did not move: %+v", moved)
	}
	if subs, _ := st.PushSubscriptionsOf(ctx, areaA, kim); len(subs) != 0 {
		t.Fatalf("the previous owner still has the browser: %+v", subs)
	}

	// Kim cannot delete Ola's browser.
	if ok, err := st.DeletePushSubscription(ctx, areaA, kim, "https://push.example/1"); err != nil || ok {
		t.Fatalf("deleted someone else's subscription: %v %v", ok, err)
	}
	// At most MaxSubscriptionsPerPerson per person: the oldest goes.
	for i := range store.MaxSubscriptionsPerPerson + 2 {
		clock.Advance(time.Second)
		_, err := st.SavePushSubscription(ctx, pushSub(areaA, kim, fmt.Sprintf("https://push.example/kim/%d", i)))
		pushMust(t, err)
	}
	subs, err := st.PushSubscriptionsOf(ctx, areaA, kim)
	pushMust(t, err)
	if len(subs) != store.MaxSubscriptionsPerPerson || subs[0].Endpoint != "https://push.example/kim/2" {
		t.Fatalf("want the newest %d, got %d starting %s", store.MaxSubscriptionsPerPerson, len(subs), subs[0].Endpoint)
	}
	if ok, err := st.DeletePushSubscription(ctx, areaA, kim, "https://push.example/kim/5"); err != nil || !ok {
		t.Fatalf("delete own: %v %v", ok, err)
	}
}

func TestRevokingAPhoneRemovesItsSubscriptions(t *testing.T) {
	ctx := context.Background()
	st := testkit.Store(t, nil)
	area, yp := heard.NewID(), heard.NewID()
	d := heard.Device{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, Name: "Phone"}
	pushMust(t, st.CreateDevice(ctx, d))
	sub := pushSub(area, yp, "https://push.example/phone")
	sub.OwnerRole, sub.DeviceID = heard.RoleYoungPerson, d.ID
	_, err := st.SavePushSubscription(ctx, sub)
	pushMust(t, err)
	other := pushSub(area, yp, "https://push.example/tablet")
	other.OwnerRole, other.DeviceID = heard.RoleYoungPerson, heard.NewID()
	_, err = st.SavePushSubscription(ctx, other)
	pushMust(t, err)

	pushMust(t, st.RevokeDevice(ctx, area, yp, d.ID, "kw"))
	subs, err := st.PushSubscriptionsOf(ctx, area, yp)
	pushMust(t, err)
	if len(subs) != 1 || subs[0].Endpoint != "https://push.example/tablet" {
		t.Fatalf("want only the other phone's subscription left, got %+v", subs)
	}
}

// Subscriptions registered before each person kept a list of theirs are
// found once by filter, and from then on through the list; moving one back to
// its first owner puts it on their list again.
func TestPushSubscriptionsRegisteredBeforeListsAreFound(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area, kim, ola := heard.NewID(), heard.NewID(), heard.NewID()
	old := pushSub(area, kim, "https://push.example/old")
	old.ID, old.CreatedAt, old.UpdatedAt = heard.NewID(), clock.Now(), clock.Now()
	_, err := st.Collection("push_subscriptions").InsertOne(ctx, old)
	pushMust(t, err)
	for range 2 {
		subs, err := st.PushSubscriptionsOf(ctx, area, kim)
		pushMust(t, err)
		if len(subs) != 1 || subs[0].ID != old.ID {
			t.Fatalf("the subscription from before lists: %+v", subs)
		}
	}
	if n, _ := st.Collection("push_subscription_lists").CountDocuments(ctx, map[string]any{}); n != 1 {
		t.Fatalf("%d lists written, want Kim's", n)
	}
	clock.Advance(time.Minute)
	_, err = st.SavePushSubscription(ctx, pushSub(area, ola, old.Endpoint))
	pushMust(t, err)
	if subs, _ := st.PushSubscriptionsOf(ctx, area, kim); len(subs) != 0 {
		t.Fatalf("Kim still has the browser Ola registered: %+v", subs)
	}
	if subs, _ := st.PushSubscriptionsOf(ctx, area, ola); len(subs) != 1 {
		t.Fatalf("Ola's browsers: %+v", subs)
	}
	clock.Advance(time.Minute)
	_, err = st.SavePushSubscription(ctx, pushSub(area, kim, old.Endpoint))
	pushMust(t, err)
	if subs, _ := st.PushSubscriptionsOf(ctx, area, kim); len(subs) != 1 || subs[0].ID != old.ID {
		t.Fatalf("Kim's browser back: %+v", subs)
	}
	if subs, _ := st.PushSubscriptionsOf(ctx, area, ola); len(subs) != 0 {
		t.Fatalf("Ola keeps a browser that is Kim's again: %+v", subs)
	}
}
