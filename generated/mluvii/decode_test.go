package mluvii

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const vectorSession = int64(4815162342)

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeVector(t *testing.T, name string) Activity {
	t.Helper()
	a, err := Decode(readVector(t, name))
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return a
}

// as asserts the dynamic type of a decoded activity.
func as[T Activity](t *testing.T, a Activity) T {
	t.Helper()
	v, ok := a.(T)
	if !ok {
		var want T
		t.Fatalf("decoded %T, want %T", a, want)
	}
	return v
}

func TestDecodeEvents(t *testing.T) {
	tests := map[string]func(t *testing.T, a Activity){
		"event.Ping.json":           func(t *testing.T, a Activity) { as[*Ping](t, a) },
		"event.Ping.camelCase.json": func(t *testing.T, a Activity) { as[*Ping](t, a) },
		"event.ConversationStarted.json": func(t *testing.T, a Activity) {
			e := as[*ConversationStarted](t, a)
			if e.Timestamp.String() != "2024-11-05T14:22:31.118204" || e.Timestamp.HasOffset() || e.Source != SourceDefault || e.Language != "cs" {
				t.Errorf("got %+v", e)
			}
		},
		"event.ConversationEnded.json": func(t *testing.T, a Activity) { as[*ConversationEnded](t, a) },
		"event.Text.json": func(t *testing.T, a Activity) {
			e := as[*Text](t, a)
			if e.Text != "Dobrý den, potřebuji změnit adresu doručení." || e.Source != SourceDefault {
				t.Errorf("got %+v", e)
			}
			if got := ChannelOf(string(e.Source)); got != ChannelWebChat {
				t.Errorf("ChannelOf(%q) = %q", e.Source, got)
			}
		},
		"event.Text.facebook.json": func(t *testing.T, a Activity) {
			e := as[*Text](t, a)
			if e.SessionID != vectorSession+1 || e.Text != "delivery_change" || ChannelOf(string(e.Source)) != ChannelFacebook {
				t.Errorf("got %+v", e)
			}
		},
		"event.GuestFileUpload.json": func(t *testing.T, a Activity) {
			e := as[*GuestFileUpload](t, a)
			if !strings.HasPrefix(e.FileURL, "https://app.mluvii.com/Storage/Get?") {
				t.Errorf("FileURL = %q", e.FileURL)
			}
		},
		"event.HeroCardSubmission.json": func(t *testing.T, a Activity) {
			e := as[*HeroCardSubmission](t, a)
			if !strings.HasPrefix(e.Params["delivery_slot"], `[{"startTime":"2024-11-06T09:00"`) {
				t.Errorf("Params = %v", e.Params)
			}
		},
		"event.HeroCardQuickReply.json": func(t *testing.T, a Activity) {
			e := as[*HeroCardQuickReply](t, a)
			if e.ReplyToActivityID != 90817263544 || e.Text != "Ano, potvrzuji" || len(e.AdditionalParams["body"]) != 1 {
				t.Errorf("got %+v", e)
			}
		},
		"event.GuestLocation.json": func(t *testing.T, a Activity) {
			e := as[*GuestLocation](t, a)
			if e.Latitude != 50.0875726 || e.Longitude != 14.4189987 {
				t.Errorf("got %+v", e)
			}
		},
	}
	for name, check := range tests {
		t.Run(name, func(t *testing.T) {
			a := decodeVector(t, name)
			if want := int64(0); a.ActivityName() == ActivityPing && a.Session() != want {
				t.Errorf("Ping session = %d", a.Session())
			} else if a.ActivityName() != ActivityPing && a.Session() != vectorSession && a.Session() != vectorSession+1 {
				t.Errorf("Session() = %d", a.Session())
			}
			if string(a.RawJSON()) != string(readVector(t, name)) {
				t.Errorf("RawJSON does not return the body")
			}
			check(t, a)
		})
	}
}

func TestDecodeResponses(t *testing.T) {
	groups := as[*GetAvailableGroupsResponse](t, decodeVector(t, "response.GetAvailableGroupsResponse.json"))
	wantStates := []GroupState{GroupStateOnline, GroupStateBusy, GroupStateOffline}
	if len(groups.AvailableGroups) != 3 {
		t.Fatalf("groups = %+v", groups.AvailableGroups)
	}
	for i, g := range groups.AvailableGroups {
		if g.GroupState != wantStates[i] || !g.GroupState.Known() {
			t.Errorf("group %d state %q", i, g.GroupState)
		}
	}
	night := groups.AvailableGroups[2]
	if night.DisplayName != "Noční směna" || night.GroupID != 7303 || !night.QueueWorkload.IsQueueFull ||
		!night.GroupOfflineReasons.Has(GroupOfflineReasonBusinessHours) || !night.GroupOfflineReasons.Has(GroupOfflineReasonNoOperators) ||
		night.GroupOfflineReasons.Mask() != 3 {
		t.Errorf("night group = %+v", night)
	}
	if w := groups.AvailableGroups[0].GroupWorkload; w == nil || w.MaxSlots != 12 || w.FreeSlots != 4 {
		t.Errorf("workload = %+v", w)
	}

	ops := as[*GetAvailableOperatorsResponse](t, decodeVector(t, "response.GetAvailableOperatorsResponse.json"))
	if len(ops.AvailableOperators) != 2 || ops.AvailableOperators[0].UserID != 3101 {
		t.Errorf("operators = %+v", ops.AvailableOperators)
	}
	empty := as[*GetAvailableOperatorsResponse](t, decodeVector(t, "response.GetAvailableOperatorsResponse.empty.json"))
	if empty.AvailableOperators == nil || len(empty.AvailableOperators) != 0 {
		t.Errorf("empty operators = %#v, want an empty non-nil list", empty.AvailableOperators)
	}
	params := as[*GetCallParamsResponse](t, decodeVector(t, "response.GetCallParamsResponse.json"))
	if params.CallParams["oo1_guest_ident"] != "Jana Nováková" {
		t.Errorf("callParams = %v", params.CallParams)
	}
	failed := as[*SetCallParamsResponse](t, decodeVector(t, "response.SetCallParamsResponse.failure.json"))
	if failed.Success || failed.ErrorMessage != "Parameter is read-only" {
		t.Errorf("got %+v", failed)
	}
	share := as[*ShareFileResponse](t, decodeVector(t, "response.ShareFileResponse.json"))
	if !share.Success || share.FileSource != "cenik-2024.pdf" {
		t.Errorf("isSuccess is not read into Success: %+v", share)
	}
	crm := as[*ObtainCrmIdentityResponse](t, decodeVector(t, "response.ObtainCrmIdentityResponse.json"))
	if len(crm.MatchedCrmIdentities) != 2 || crm.MatchedCrmIdentities[0].Score != 92.5 || crm.MatchedCrmIdentities[0].CrmIdentityID != 66120031 {
		t.Errorf("got %+v", crm)
	}
	id := as[*GetGuestIdentityResponse](t, decodeVector(t, "response.GetGuestIdentityResponse.json"))
	if id.TrackedGuestGUID != "3b9f6c1e-2a47-4d8e-9f10-6a5b4c3d2e1f" || id.FacebookPSID != "" {
		t.Errorf("got %+v", id)
	}
	canceled := as[*ChatbotOpenFileUploadPromptResponse](t, decodeVector(t, "response.ChatbotOpenFileUploadPromptResponse.canceled.json"))
	if !canceled.CanceledByGuest || canceled.FileURL != "" {
		t.Errorf("got %+v", canceled)
	}
	as[*GuestInputChangeResponse](t, decodeVector(t, "response.GuestInputChangeResponse.json"))
}

// TestDecodeEveryVector decodes every event and response vector and checks
// that the activity name matches the file name, so new vectors are covered.
func TestDecodeEveryVector(t *testing.T) {
	files, _ := filepath.Glob("testdata/vectors/*.json")
	for _, f := range files {
		base := filepath.Base(f)
		kind, rest, _ := strings.Cut(base, ".")
		if kind != "event" && kind != "response" && kind != "request" {
			continue
		}
		name, _, _ := strings.Cut(rest, ".")
		t.Run(base, func(t *testing.T) {
			a := decodeVector(t, base)
			if a.ActivityName() != name {
				t.Errorf("ActivityName() = %q, want %q", a.ActivityName(), name)
			}
			if _, unknown := a.(*Unknown); unknown {
				t.Errorf("decoded as *Unknown")
			}
		})
	}
}

// TestRequestsRoundTrip decodes every request vector and marshals it back:
// the result must be the same JSON (null members count as absent).
func TestRequestsRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/vectors/request.*.json")
	if len(files) < 30 {
		t.Fatalf("only %d request vectors", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body := readVector(t, filepath.Base(f))
			a, err := Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normalJSON(t, body), normalJSON(t, out)); diff != "" {
				t.Errorf("re-marshalled JSON differs (-vector +got):\n%s\ngot: %s", diff, out)
			}
		})
	}
}

// normalJSON parses JSON and drops null members, which mean "absent".
func normalJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return dropNulls(v)
}

func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = dropNulls(x)
		}
	}
	return v
}

func TestDecodeNastyAccepted(t *testing.T) {
	tests := map[string]func(t *testing.T, a Activity){
		"nasty.event.Text.unknownFields.json": func(t *testing.T, a Activity) {
			if e := as[*Text](t, a); e.Text != "Kde je moje zásilka?" {
				t.Errorf("text = %q", e.Text)
			}
			if !strings.Contains(string(a.RawJSON()), "x-future-field") {
				t.Errorf("unknown fields are not kept in RawJSON")
			}
		},
		"nasty.event.unknownActivity.json": func(t *testing.T, a Activity) {
			u := as[*Unknown](t, a)
			if u.Name != "OperatorWaved" || u.SessionID != vectorSession || !strings.Contains(string(u.Raw), "cheerful") {
				t.Errorf("got %+v", u)
			}
		},
		"nasty.response.unknownResponse.json": func(t *testing.T, a Activity) {
			if u := as[*Unknown](t, a); u.Name != "GetWeatherResponse" {
				t.Errorf("name %q", u.Name)
			}
		},
		"nasty.event.Text.stringSessionId.json": func(t *testing.T, a Activity) {
			if a.Session() != vectorSession {
				t.Errorf("session %d", a.Session())
			}
		},
		"nasty.event.Text.hugeText.json": func(t *testing.T, a Activity) {
			if n := len([]rune(as[*Text](t, a).Text)); n < 1_000_000 {
				t.Errorf("text has %d runes", n)
			}
		},
		"nasty.event.Text.unicode.json": func(t *testing.T, a Activity) {
			var want struct{ Text string }
			_ = json.Unmarshal(readVector(t, "nasty.event.Text.unicode.json"), &want)
			if got := as[*Text](t, a).Text; got != want.Text {
				t.Errorf("text = %q, want %q", got, want.Text)
			}
		},
		"nasty.event.Text.emptyText.json": func(t *testing.T, a Activity) {
			if as[*Text](t, a).Text != "" {
				t.Error("text not empty")
			}
		},
		"nasty.event.Text.PascalCase.json": func(t *testing.T, a Activity) {
			e := as[*Text](t, a)
			if e.Text != "PascalCase keys" || e.SessionID != vectorSession || e.Source != SourceWhatsApp || e.Language != "cs" {
				t.Errorf("got %+v", e)
			}
		},
		"nasty.event.Text.lowercaseActivityValue.json": func(t *testing.T, a Activity) { as[*Text](t, a) },
		"nasty.event.Text.timestampWithOffset.json": func(t *testing.T, a Activity) {
			ts := as[*Text](t, a).Timestamp
			if !ts.HasOffset() || ts.Time().UTC().Hour() != 13 || ts.String() != "2024-11-05T14:22:31.1182049+01:00" {
				t.Errorf("timestamp %v (%v)", ts, ts.Time())
			}
		},
		"nasty.event.Text.timestampZulu3.json": func(t *testing.T, a Activity) {
			ts := as[*Text](t, a).Timestamp
			if !ts.HasOffset() || ts.Time().Nanosecond() != 172_000_000 {
				t.Errorf("timestamp %v", ts.Time())
			}
		},
		"nasty.event.Text.unknownSource.json": func(t *testing.T, a Activity) {
			e := as[*Text](t, a)
			if e.Source != "Viber" || e.Source.Known() || ChannelOf(string(e.Source)) != "" {
				t.Errorf("source %q", e.Source)
			}
		},
		"nasty.event.HeroCardSubmission.nonStringParams.json": func(t *testing.T, a Activity) {
			got := as[*HeroCardSubmission](t, a).Params
			want := map[string]string{"age": "42", "consent": "true", "tags": `["a","b"]`}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		},
		"nasty.event.GuestFileUpload.nullUrl.json": func(t *testing.T, a Activity) {
			if as[*GuestFileUpload](t, a).FileURL != "" {
				t.Error("null fileUrl is not empty")
			}
		},
		"nasty.response.GetAvailableGroupsResponse.unknownEnums.json": func(t *testing.T, a Activity) {
			g := as[*GetAvailableGroupsResponse](t, a).AvailableGroups[0]
			if g.GroupState != "PAUSED" || g.GroupState.Known() || g.GroupWorkload != nil || g.QueueWorkload != nil {
				t.Errorf("got %+v", g)
			}
			want := GroupOfflineReasons{GroupOfflineReasonAwayIsOffline, "MAINTENANCE"}
			if diff := cmp.Diff(want, g.GroupOfflineReasons); diff != "" || g.GroupOfflineReasons[1].Known() {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		},
		"nasty.response.GetAvailableGroupsResponse.typoSesionId.json": func(t *testing.T, a Activity) {
			if a.Session() != vectorSession {
				t.Errorf("sesionId alias not read: %d", a.Session())
			}
		},
		"nasty.response.GetGuestIdentityResponse.PascalAppleContactId.json": func(t *testing.T, a Activity) {
			if as[*GetGuestIdentityResponse](t, a).AppleContactID == "" {
				t.Error("AppleContactId not read")
			}
		},
		"nasty.response.ObtainCrmIdentityResponse.integerScore.json": func(t *testing.T, a Activity) {
			m := as[*ObtainCrmIdentityResponse](t, a).MatchedCrmIdentities[0]
			if m.Score != 95 || m.Data["CrmUrl"][0] != "https://crm.example.cz/contact?id=" {
				t.Errorf("got %+v", m)
			}
		},
		"nasty.response.GetCallParamsResponse.nullMap.json": func(t *testing.T, a Activity) {
			if as[*GetCallParamsResponse](t, a).CallParams != nil {
				t.Error("null map is not nil")
			}
		},
	}
	for name, check := range tests {
		t.Run(name, func(t *testing.T) { check(t, decodeVector(t, name)) })
	}
}

func TestDecodeNastyRejected(t *testing.T) {
	tests := []struct {
		file, path, msg string
	}{
		{"nasty.event.Text.missingSessionId.json", "sessionId", "missing"},
		{"nasty.event.Text.nullSessionId.json", "sessionId", "null"},
		{"nasty.event.Text.overflowSessionId.json", "sessionId", "out of range"},
		{"nasty.event.Text.negativeSessionId.json", "sessionId", "not positive"},
		{"nasty.event.Text.timestampGarbage.json", "timestamp", "not a timestamp"},
		{"nasty.event.nullActivity.json", "activity", "must be a string, got null"},
		{"nasty.event.numericActivity.json", "activity", "must be a string, got a number"},
		{"nasty.event.emptyObject.json", "activity", "missing"},
		{"nasty.event.arrayRoot.json", "", "expected an object, got a list"},
		{"nasty.event.notJson.txt", "", "expected an object, got invalid JSON"},
		{"nasty.event.truncated.json", "", "unexpected end of JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := readVector(t, tt.file)
			a, err := Decode(body)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, %v; want a *DecodeError", a, err)
			}
			if a != nil {
				t.Errorf("activity %v returned with an error", a)
			}
			if de.Path != tt.path || !strings.Contains(de.Msg, tt.msg) {
				t.Errorf("error at %q: %q; want at %q containing %q", de.Path, de.Msg, tt.path, tt.msg)
			}
			if string(de.Body) != string(body) || de.Offset < 0 || de.Offset > len(body) {
				t.Errorf("Body/Offset not set: offset %d", de.Offset)
			}
		})
	}
}
