package heard

import "testing"

func TestMeUpdateValidate(t *testing.T) {
	supported := func(lang string) bool { return lang == "en" || lang == "ar" }
	lang := func(s string) *string { return &s }
	for _, tc := range []struct {
		u    MeUpdate
		want string
	}{
		{MeUpdate{Language: lang("ar")}, ""},
		{MeUpdate{Language: lang("xx")}, "unsupported_language"},
		{MeUpdate{}, "unsupported_language"},
	} {
		if got := tc.u.Validate(supported)["language"]; got != tc.want {
			t.Errorf("%v: %q, want %q", tc.u.Language, got, tc.want)
		}
	}
}
