package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/store"
)

// staffSession signs a demo member of staff in through the API, as their other
// computer would, and returns the access token.
func staffSession(t *testing.T, h *heardServer, email, password string) string {
	t.Helper()
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	if status := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": email, "password": password}, &out); status != 200 {
		t.Fatalf("sign in %s: %d", email, status)
	}
	return out.AccessToken
}

// stillSignedIn reports whether an access token still opens /api/me.
func stillSignedIn(t *testing.T, h *heardServer, token string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == 200
}

// The administrator changes a key worker's working week, gives another a new
// role, and resets a password; the key worker opens the link they are sent
// and chooses a new password. Sessions end exactly when trust changes.
func TestAdministratorManagesStaffAccounts(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	alex := h.staffMember(t, "alex@demo.heard")
	samElsewhere := staffSession(t, h, sam.Email, store.DemoPassword)
	alexElsewhere := staffSession(t, h, alex.Email, store.DemoPassword)

	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")
	samRow := fmt.Sprintf(`.staff-item[data-id=%q]`, sam.ID)
	alexRow := fmt.Sprintf(`.staff-item[data-id=%q]`, alex.ID)
	run(t, ctx, "open Sam's account",
		chromedp.Click("#admin-staff-link", chromedp.ByQuery),
		waitText("#staff-list", "Sam Okafor"),
		chromedp.Click(samRow+" .staff-edit", chromedp.ByQuery),
		chromedp.WaitVisible(samRow+" .staff-edit-form", chromedp.ByQuery),
		// Works Saturdays 10 to 2, not Fridays.
		chromedp.Click(fmt.Sprintf("#staff-edit-%s-hours-6-on", sam.ID), chromedp.ByQuery),
		adminFormsSet(fmt.Sprintf("#staff-edit-%s-hours-6-from", sam.ID), "10:00"),
		adminFormsSet(fmt.Sprintf("#staff-edit-%s-hours-6-to", sam.ID), "14:00"),
		chromedp.Click(fmt.Sprintf("#staff-edit-%s-hours-5-on", sam.ID), chromedp.ByQuery),
		chromedp.ScrollIntoView(samRow+" .staff-edit-form", chromedp.ByQuery))
	docScreenshot(t, ctx, "admin-staff-edit-en")
	adminFormsNarrow(t, ctx, "change a staff account (en)")
	run(t, ctx, "save Sam's hours",
		chromedp.Click(samRow+" .staff-edit-save", chromedp.ByQuery),
		waitText("#staff-status", "Sam Okafor's account is saved."))
	saved := h.staffMember(t, sam.Email)
	days := map[time.Weekday]heard.Hours{}
	for _, b := range saved.Hours {
		days[b.Weekday] = b
	}
	if _, friday := days[time.Friday]; friday || days[time.Saturday] != (heard.Hours{Weekday: time.Saturday, Start: 600, End: 840}) || len(saved.Hours) != 5 {
		t.Fatalf("Sam's week was saved as %+v", saved.Hours)
	}
	if !stillSignedIn(t, h, samElsewhere) {
		t.Fatal("new working hours should not sign Sam out")
	}

	// A new role for Alex signs Alex out everywhere at once.
	run(t, ctx, "Alex becomes a team manager",
		chromedp.Click(alexRow+" .staff-edit", chromedp.ByQuery),
		chromedp.WaitVisible(alexRow+" .staff-edit-form", chromedp.ByQuery),
		adminFormsSelect(fmt.Sprintf("#staff-edit-%s-role", alex.ID), "team_manager"),
		chromedp.Click(alexRow+" .staff-edit-save", chromedp.ByQuery),
		waitText("#staff-status", "They have been signed out"))
	if h.staffMember(t, alex.Email).Role != heard.RoleTeamManager || stillSignedIn(t, h, alexElsewhere) {
		t.Fatal("Alex's new role is saved and the session begun as a key worker has ended")
	}

	// Resetting Sam's password: a code and a link, shown once.
	var code, link string
	run(t, ctx, "reset Sam's password",
		chromedp.Click(samRow+" .staff-reset", chromedp.ByQuery),
		chromedp.WaitVisible(samRow+" .staff-reset-confirm", chromedp.ByQuery))
	screenshot(t, ctx, "admin-staff-reset-confirm-en")
	run(t, ctx, "confirm the reset",
		chromedp.Click(samRow+" .staff-reset-confirm", chromedp.ByQuery),
		chromedp.WaitVisible(samRow+" .reset-code .code", chromedp.ByQuery),
		chromedp.Text(samRow+" .reset-code .code", &code, chromedp.ByQuery),
		chromedp.AttributeValue(samRow+" .reset-link", "href", &link, nil, chromedp.ByQuery),
		chromedp.ScrollIntoView(samRow+" .reset-code", chromedp.ByQuery))
	docScreenshot(t, ctx, "admin-staff-reset-code-en")
	adminFormsNarrow(t, ctx, "a reset code (en)")
	if _, ok := heard.NormalisePasswordResetCode(code); !ok || !strings.HasSuffix(link, "/#/reset/"+code) {
		t.Fatalf("the administrator sees code %q and link %q", code, link)
	}
	if stillSignedIn(t, h, samElsewhere) {
		t.Fatal("a reset should sign Sam out everywhere at once")
	}
	if status := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": sam.Email, "password": store.DemoPassword}, nil); status != 401 {
		t.Fatalf("Sam's old password after a reset: %d", status)
	}

	// Sam opens the link on their own computer and chooses a new password.
	samCtx := newBrowser(t, "en-GB")
	var filled string
	run(t, samCtx, "open the link",
		chromedp.Navigate(link),
		chromedp.WaitVisible("#reset-password", chromedp.ByQuery),
		chromedp.Value("#reset-code", &filled, chromedp.ByQuery),
		chromedp.SendKeys("#reset-password", "short", chromedp.ByQuery),
		chromedp.Click("#reset-submit", chromedp.ByQuery),
		waitText("#reset-password-error", "at least 10"))
	if filled != code {
		t.Fatalf("the link fills in the code: %q, want %q", filled, code)
	}
	run(t, samCtx, "a new password",
		chromedp.SendKeys("#reset-password", " and longer now", chromedp.ByQuery))
	docScreenshot(t, samCtx, "staff-reset-en")
	run(t, samCtx, "save it",
		chromedp.Click("#reset-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#home", chromedp.ByQuery))
	if status := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": sam.Email, "password": "short and longer now"}, nil); status != 200 {
		t.Fatalf("Sam's new password signs in: %d", status)
	}
	audit, err := h.Store.AuditLog(bg, sam.AreaID, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range audit {
		found = found || e.Action == "staff_password_reset" && e.StaffID == sam.ID
	}
	if !found {
		t.Error("the reset is in the audit log")
	}

	// In Arabic, right to left.
	adminFormsArabic(t, ctx, h, "/admin/staff")
	run(t, ctx, "Arabic: change and reset",
		waitText("#staff-list", "Sam Okafor"),
		chromedp.Click(samRow+" .staff-edit", chromedp.ByQuery),
		chromedp.WaitVisible(samRow+" .staff-edit-form", chromedp.ByQuery),
		chromedp.ScrollIntoView(samRow+" .staff-edit-form", chromedp.ByQuery))
	docScreenshot(t, ctx, "admin-staff-edit-ar")
	adminFormsNarrow(t, ctx, "change a staff account (ar)")
	run(t, ctx, "Arabic reset",
		chromedp.Click(samRow+" .staff-edit", chromedp.ByQuery),
		chromedp.Click(samRow+" .staff-reset", chromedp.ByQuery),
		chromedp.Click(samRow+" .staff-reset-confirm", chromedp.ByQuery),
		chromedp.WaitVisible(samRow+" .reset-code .code", chromedp.ByQuery),
		chromedp.ScrollIntoView(samRow+" .reset-code", chromedp.ByQuery))
	docScreenshot(t, ctx, "admin-staff-reset-code-ar")
	adminFormsNarrow(t, ctx, "a reset code (ar)")
	arCtx := newBrowser(t, "ar")
	run(t, arCtx, "Arabic reset screen",
		chromedp.Navigate(h.URL+"/#/reset"),
		chromedp.WaitVisible("#reset-code", chromedp.ByQuery),
		chromedp.Click("#reset-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#reset-code-error", chromedp.ByQuery))
	docScreenshot(t, arCtx, "staff-reset-ar")
	run(t, arCtx, "narrow", chromedp.EmulateViewport(320, phoneHeight, chromedp.EmulateScale(2)), chromedp.Sleep(150*time.Millisecond))
	noSideScroll(t, arCtx, 320, "the reset screen (ar)")
}
