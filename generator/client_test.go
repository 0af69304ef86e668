package generator

import "testing"

func TestParamName(t *testing.T) {
	for in, want := range map[string]string{
		"SessionID": "sessionID", "GroupIDs": "groupIDs", "URL": "url", "IDs": "ids",
		"HeroCardID": "heroCardID", "HTTPClient": "httpClient", "Text": "text",
		"Type": "typeValue", "Ctx": "ctxValue", "Opts": "optsValue", "Target2": "target2Value",
		"FacebookPSID": "facebookPSID", "X": "x",
	} {
		if got := paramName(in); got != want {
			t.Errorf("paramName(%q) = %q, want %q", in, got, want)
		}
	}
}
