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

func TestPkgNamesClaim(t *testing.T) {
	n := pkgNames{"WithLabel": true, "WithPointLabel": true}
	if got := n.claim("WithLabel", "WithPointLabel"); got != "WithPointLabel2" {
		t.Errorf("claim = %q", got)
	}
	if got := n.claim("WithText"); got != "WithText" {
		t.Errorf("claim = %q", got)
	}
	if n.free("WithText", "NewHeroCard") || !n.free("NewHeroCard") {
		t.Error("free must claim all or none")
	}
}
