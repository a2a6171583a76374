package store_test

import (
	"testing"
	"time"

	"heard"
)

// A first start makes one area and its administrator, whose password signs in;
// later starts make nothing.
func TestFirstStartMakesTheFirstAdministratorOnce(t *testing.T) {
	ctx, st := storeAt(t, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	first, made, err := st.SetUpFirstArea(ctx, "Northshire", "Admin@Northshire.example")
	if err != nil || !made {
		t.Fatalf("first start: made %v, %v", made, err)
	}
	admin, err := st.StaffByEmail(ctx, "admin@northshire.example")
	if err != nil {
		t.Fatal(err)
	}
	if admin.Role != heard.RoleAdministrator || !heard.CheckPassword(admin.PasswordHash, first.Password) || len(first.Password) < heard.MinPasswordLength {
		t.Fatalf("the first administrator should sign in with the printed password: %+v", admin)
	}
	area, err := st.Area(ctx, admin.AreaID)
	if err != nil || area.Name != "Northshire" || len(area.CrisisContacts) == 0 {
		t.Fatalf("area %+v, %v", area, err)
	}
	again, made, err := st.SetUpFirstArea(ctx, "Northshire", "admin@northshire.example")
	if err != nil || made || again.Password != "" {
		t.Fatalf("a second start must make nothing: made %v, %v", made, err)
	}
}
