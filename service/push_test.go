package service_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"heard"
	"heard/service"
	"heard/testkit"
)

// fakePush stands for notify's push service: it queues nothing and accepts
// only https endpoints on push.example.com.
type fakePush struct{}

func (*fakePush) Notify(context.Context, heard.Notification) error { return nil }
func (*fakePush) PublicKey() string                                { return "the-public-key" }
func (*fakePush) EndpointProblem(endpoint string) string {
	if !strings.HasPrefix(endpoint, "https://push.example.com/") {
		return "host_not_allowed"
	}
	return ""
}

func browserKeys(t *testing.T) (p256dh, auth string) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	authMust(t, err)
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(make([]byte, 16))
}

func TestSubscribeChecksWithThePushService(t *testing.T) {
	w := newAuthWorld(t)
	kim := heard.Principal{ID: w.kw.ID, AreaID: w.area.ID, Role: w.kw.Role, SessionID: heard.NewID()}
	key, auth := browserKeys(t)
	_, err := w.svc.Subscribe(w.ctx, kim, heard.NewPushSubscription{Endpoint: "https://intranet/push", P256dh: key, Auth: auth + "=="})
	var p *heard.Problem
	if !errors.As(err, &p) || p.Fields["endpoint"] != "host_not_allowed" {
		t.Fatalf("an endpoint the push service refuses: %v", err)
	}
	v, err := w.svc.Subscribe(w.ctx, kim, heard.NewPushSubscription{Endpoint: "https://push.example.com/kim", P256dh: key, Auth: auth + "=="})
	authMust(t, err)
	subs, err := w.st.PushSubscriptionsOf(w.ctx, w.area.ID, w.kw.ID)
	authMust(t, err)
	if len(subs) != 1 || subs[0].ID != v.ID || subs[0].Auth != auth || subs[0].SessionID != kim.SessionID {
		t.Fatalf("stored %+v", subs)
	}
	kai := heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: heard.RoleKeyWorker}
	if err := w.svc.Unsubscribe(w.ctx, kai, "https://push.example.com/kim"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("someone else's browser: %v", err)
	}
	authMust(t, w.svc.Unsubscribe(w.ctx, kim, "https://push.example.com/kim"))
	if key, err := w.svc.PushKey(w.ctx); err != nil || key != "the-public-key" {
		t.Fatalf("push key %q, %v", key, err)
	}

	without := service.New(service.Config{Store: w.st, Clock: w.clock, Log: testkit.Quiet()})
	if _, err := without.PushKey(w.ctx); problemCode(err) != "push_unavailable" || !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("without push: %v", err)
	}
}

func TestOnlyAdministratorsSeeDeliveryProblems(t *testing.T) {
	w := newAuthWorld(t)
	for _, role := range []heard.Role{heard.RoleKeyWorker, heard.RoleCommissioner, heard.RoleYoungPerson} {
		if _, err := w.svc.DeliveryProblems(w.ctx, heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: role}); !errors.Is(err, heard.ErrForbidden) {
			t.Errorf("%s: %v", role, err)
		}
	}
	got, err := w.svc.DeliveryProblems(w.ctx, heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: heard.RoleAdministrator})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("an administrator of a quiet area: %v %v", got, err)
	}
}

func TestKPIsAreForReadersOfTheirArea(t *testing.T) {
	w := newAuthWorld(t)
	for _, role := range []heard.Role{heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleYoungPerson} {
		if _, err := w.svc.KPIs(w.ctx, heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: role}, heard.KPIQuery{}); !errors.Is(err, heard.ErrForbidden) {
			t.Errorf("%s: %v", role, err)
		}
	}
	commissioner := heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: heard.RoleCommissioner}
	r, err := w.svc.KPIs(w.ctx, commissioner, heard.KPIQuery{})
	authMust(t, err)
	if r.AreaName != w.area.Name || r.From != "2025-12" || r.To != "2026-11" || len(r.Months) != 12 || r.Disclosure == "" || len(r.Tiles) == 0 {
		t.Fatalf("the default report: %+v", r)
	}
	_, err = w.svc.KPIs(w.ctx, commissioner, heard.KPIQuery{To: "2026-12"})
	var p *heard.Problem
	if !errors.As(err, &p) || p.Fields["to"] != "in_future" {
		t.Fatalf("a month to come: %v", err)
	}
}

func TestChangingPasswordCountsWrongGuesses(t *testing.T) {
	w := newAuthWorld(t)
	kim := heard.Principal{ID: w.kw.ID, AreaID: w.area.ID, Role: w.kw.Role}
	for range heard.LoginFailuresAccount {
		if err := w.svc.ChangePassword(w.ctx, kim, heard.PasswordChange{Current: "a guess at it", New: "a brand new password"}); problemCode(err) != "current_password_wrong" {
			t.Fatalf("a wrong current password: %v", err)
		}
	}
	if err := w.svc.ChangePassword(w.ctx, kim, heard.PasswordChange{Current: authPassword, New: "a brand new password"}); problemCode(err) != "too_many_attempts" {
		t.Fatalf("after guessing, the account is paused: %v", err)
	}
	yara := heard.Principal{ID: w.y.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson}
	if err := w.svc.ChangePassword(w.ctx, yara, heard.PasswordChange{Current: "x", New: "yyyyyyyyyyyy"}); !errors.Is(err, heard.ErrForbidden) {
		t.Fatalf("a young person has no password: %v", err)
	}
}
