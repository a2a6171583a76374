package service_test

import (
	"testing"
	"time"

	"heard"
)

// TestDutyWorkerSeesWhatTheyNeedToAct: a duty worker opening an urgent card
// sees the young person's key worker and where they live now, who was told
// and when, that nobody has acknowledged it yet and where it goes next, and
// the help numbers the young person was shown then (not the area's numbers
// changed since). After the key worker acknowledges, nothing is "next".
func TestDutyWorkerSeesWhatTheyNeedToAct(t *testing.T) {
	e := newEnv(t)
	home := heard.Placement{ID: heard.NewID(), AreaID: e.area.ID, Name: "Oak House", Type: heard.PlacementChildrensHome, CreatedAt: e.clock.Now()}
	e.must(e.store.CreatePlacement(e.ctx, home))
	e.yp.PlacementID = home.ID
	_, err := e.store.ChangeYoungPerson(e.ctx, e.area.ID, e.yp.ID, func(y *heard.YoungPerson) error { y.PlacementID = home.ID; return nil })
	e.must(err)

	n := e.newCard("not_safe")
	_, _, err = e.svc.SendCard(e.ctx, e.youngPrinc, n)
	e.must(err)
	e.settle(e.svc)
	// The numbers change after the card was sent.
	e.must(e.store.UpdateAreaSettings(e.ctx, e.area.ID, e.area.Name, e.area.Escalation, []heard.CrisisContact{{Label: "New line", Number: "0800 000 000", Kind: "call"}}, e.area.Languages))

	v, err := e.svc.Card(e.ctx, e.dutyPrincipl, n.ID)
	e.must(err)
	a := v.Alert
	if a == nil {
		t.Fatal("the duty worker's view has no alert")
	}
	if a.KeyWorker == nil || a.KeyWorker.Name != e.kw.Name {
		t.Errorf("key worker: %+v, want %s", a.KeyWorker, e.kw.Name)
	}
	if a.LivesAt != "Oak House" {
		t.Errorf("lives at %q, want Oak House", a.LivesAt)
	}
	if len(a.Told) != 1 || a.Told[0].Step != "notify" || len(a.Told[0].People) != 2 {
		t.Fatalf("told: %+v, want one step telling the key worker and the duty worker", a.Told)
	}
	roles := map[heard.Role]string{}
	for _, p := range a.Told[0].People {
		roles[p.Role] = p.Name
	}
	if roles[heard.RoleKeyWorker] != e.kw.Name || roles[heard.RoleDutyWorker] != e.duty.Name {
		t.Errorf("told %v", roles)
	}
	if a.NextStep != "duty" || a.NextAt == nil || !a.NextAt.Equal(v.ReceivedAt.Add(15*time.Minute)) {
		t.Errorf("next: %q at %v, want duty 15 minutes after %v", a.NextStep, a.NextAt, v.ReceivedAt)
	}
	if len(a.CrisisShown) != len(heard.DefaultCrisisContacts()) || a.CrisisShown[0].Number != "999" {
		t.Errorf("crisis numbers shown: %+v, want the area's numbers when the card was sent", a.CrisisShown)
	}

	_, err = e.svc.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{})
	e.must(err)
	e.settle(e.svc)
	v, err = e.svc.Card(e.ctx, e.dutyPrincipl, n.ID)
	e.must(err)
	if v.Alert.NextStep != "" || v.AckAt == nil {
		t.Errorf("after the acknowledgement: next %q, ack %v", v.Alert.NextStep, v.AckAt)
	}
	// The young person is never given the adults' view.
	mine, err := e.svc.Card(e.ctx, e.youngPrinc, n.ID)
	e.must(err)
	if mine.Alert != nil {
		t.Errorf("the young person was given the alert view")
	}
}
