package mluvii

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeLeniency covers each leniency rule of the contract on a small body.
func TestDecodeLeniency(t *testing.T) {
	tests := []struct {
		name, body string
		check      func(t *testing.T, a Activity)
	}{
		{"integral float session id", `{"activity":"Text","sessionId":4815162342.0,"text":"x"}`, func(t *testing.T, a Activity) {
			if a.Session() != vectorSession {
				t.Errorf("session %d", a.Session())
			}
		}},
		{"exponent session id", `{"activity":"Text","sessionId":4.815162342e9}`, func(t *testing.T, a Activity) {
			if a.Session() != vectorSession {
				t.Errorf("session %d", a.Session())
			}
		}},
		{"activity name in any case", `{"ACTIVITY":"gEtCaLlPaRaMsReSpOnSe","SESSIONID":"7"}`, func(t *testing.T, a Activity) {
			as[*GetCallParamsResponse](t, a)
		}},
		{"boolean as string", `{"activity":"SetCallParamsResponse","sessionId":1,"success":"True"}`, func(t *testing.T, a Activity) {
			if !as[*SetCallParamsResponse](t, a).Success {
				t.Error("success not true")
			}
		}},
		{"number as string", `{"activity":"GuestLocation","sessionId":1,"latitude":"50.5","longitude":"-14"}`, func(t *testing.T, a Activity) {
			if l := as[*GuestLocation](t, a); l.Latitude != 50.5 || l.Longitude != -14 {
				t.Errorf("got %+v", l)
			}
		}},
		{"enum as number", `{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupState":1},{"groupState":7}]}`, func(t *testing.T, a Activity) {
			g := as[*GetAvailableGroupsResponse](t, a).AvailableGroups
			if g[0].GroupState != GroupStateOnline || g[1].GroupState != "7" {
				t.Errorf("states %q %q", g[0].GroupState, g[1].GroupState)
			}
		}},
		{"flags as bit mask", `{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupOfflineReasons":70},{"groupOfflineReasons":[4,"DELETED"]},{"groupOfflineReasons":"BUSINESS_HOURS, QUEUE_FULL"},{"groupOfflineReasons":0}]}`, func(t *testing.T, a Activity) {
			g := as[*GetAvailableGroupsResponse](t, a).AvailableGroups
			want := []GroupOfflineReasons{
				{GroupOfflineReasonNoOperators, GroupOfflineReasonQueueFull, "64"},
				{GroupOfflineReasonQueueFull, GroupOfflineReasonDeleted},
				{GroupOfflineReasonBusinessHours, GroupOfflineReasonQueueFull},
				{GroupOfflineReasonNone},
			}
			for i := range want {
				if diff := cmp.Diff(want[i], g[i].GroupOfflineReasons); diff != "" {
					t.Errorf("group %d (-want +got):\n%s", i, diff)
				}
			}
		}},
		{"nulls are absent", `{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"displayName":null,"groupId":null,"groupState":null,"groupOfflineReasons":null,"groupWorkload":null}],"language":null}`, func(t *testing.T, a Activity) {
			g := as[*GetAvailableGroupsResponse](t, a).AvailableGroups[0]
			if diff := cmp.Diff(AvailableGroup{}, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{"duplicate keys: last wins", `{"activity":"Ping","activity":"Text","sessionId":1,"text":"a","TEXT":"b"}`, func(t *testing.T, a Activity) {
			if as[*Text](t, a).Text != "b" {
				t.Error("last duplicate did not win")
			}
		}},
		{"escapes", `{"activity":"Text","sessionId":1,"text":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude9a\ud800x"}`, func(t *testing.T, a Activity) {
			if got := as[*Text](t, a).Text; got != "a\"\\/\b\f\n\r\téπš\ufffdx" && got != "a\"\\/\b\f\n\r\té🚚\ufffdx" {
				t.Errorf("text %q", got)
			}
		}},
		{"invalid UTF-8 becomes U+FFFD", "{\"activity\":\"Text\",\"sessionId\":1,\"text\":\"a\xffb\"}", func(t *testing.T, a Activity) {
			if got := as[*Text](t, a).Text; got != "a\ufffdb" {
				t.Errorf("text %q", got)
			}
		}},
		{"message without activity", `{"type":"MESSAGE","sessionId":1,"text":"hi","attachmentLayout":"carousel"}`, func(t *testing.T, a Activity) {
			m := as[*Message](t, a)
			if m.Text != "hi" || m.AttachmentLayout != AttachmentLayoutCarousel {
				t.Errorf("got %+v", m)
			}
		}},
		{"white space everywhere", " \n{ \"activity\" : \"Text\" ,\t\"sessionId\" : 1 , \"text\" : [ ] } \r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Decode([]byte(tt.body))
			if tt.check == nil {
				var de *DecodeError
				if !errors.As(err, &de) || de.Path != "text" {
					t.Fatalf("want an error at text, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a)
		})
	}
}

// TestDecodeErrorPaths checks that errors name the field, however deep.
func TestDecodeErrorPaths(t *testing.T) {
	tests := []struct{ body, path, msg string }{
		{`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{},{"groupWorkload":{"freeSlots":"many"}}]}`, "availableGroups[1].groupWorkload.freeSlots", `expected a number, got the string "many"`},
		{`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":{}}`, "availableGroups", "expected a list, got an object"},
		{`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupId":1.5}]}`, "availableGroups[0].groupId", "expected an integer, got 1.5"},
		{`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupId":3000000000}]}`, "availableGroups[0].groupId", "out of range for a 32-bit integer"},
		{`{"activity":"ObtainCrmIdentityResponse","sessionId":1,"matchedCrmIdentities":[{"data":{"k":{"x":1}}}]}`, "matchedCrmIdentities[0].data.k", "expected a list, got an object"},
		{`{"activity":"GetHeroCardsResponse","sessionId":1,"heroCards":[{"languages":["cs",1]}]}`, "heroCards[0].languages[1]", "expected a string, got a number"},
		{`{"activity":"Text","sessionId":1,"text":true}`, "text", "expected a string, got a boolean"},
		{`{"activity":"SetCallParamsResponse","sessionId":1,"success":"yes"}`, "success", "expected a boolean"},
		{`{"activity":"Text","sessionId":0}`, "sessionId", "not positive"},
		{`{"activity":"Text","sessionId":1}x`, "", "unexpected data after the JSON value"},
		{`{"activity":"Text","sessionId":1,}`, "", "expected a quoted object key"},
		{`{"activity":"Text","sessionId":01}`, "", "invalid number"},
		{`{"activity":"Text","sessionId":1,"text":"a` + "\x01" + `"}`, "", "control character in string"},
		{``, "", "expected an object, got the end of the body"},
		{`null`, "", "expected an object, got null"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.body))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%s) = %v, want a *DecodeError", tt.body, err)
			continue
		}
		if de.Path != tt.path || !strings.Contains(de.Msg, tt.msg) {
			t.Errorf("Decode(%s):\n got %q at %q\nwant %q at %q", tt.body, de.Msg, de.Path, tt.msg, tt.path)
		}
		if !strings.Contains(de.Error(), tt.path) || !strings.Contains(de.Error(), de.Msg) {
			t.Errorf("Error() = %q does not say what and where", de.Error())
		}
	}
}

func TestMarshalWritesWireNames(t *testing.T) {
	tests := []struct {
		a    Activity
		want string
	}{
		{&Forward{SessionID: 7, OperatorGroupID: 3}, `{"activity":"Forward","sessionId":7,"operatorGroupId":3}`},
		{&Typing{SessionID: 7}, `{"activity":"Typing","sessionId":7,"show":false}`},
		{&Ping{}, `{"Activity":"Ping"}`},
		{&Text{SessionID: 7, Text: "<b>a&b</b>\u2028"}, `{"activity":"Text","sessionId":7,"text":"<b>a&b</b>\u2028"}`},
		{&Message{SessionID: 7, Text: "hi"}, `{"type":"message","sessionId":7,"text":"hi"}`},
		{&SetCallParams{SessionID: 7, CallParams: map[string]string{"b": "2", "a": "1"}}, `{"activity":"SetCallParams","sessionId":7,"callParams":{"a":"1","b":"2"}}`},
		{&GetAvailableGroups{SessionID: 7, GroupIDs: []int32{1, 2}}, `{"activity":"GetAvailableGroups","sessionId":7,"groupIds":[1,2]}`},
	}
	for _, tt := range tests {
		got, err := tt.a.MarshalJSON()
		if err != nil || string(got) != tt.want {
			t.Errorf("MarshalJSON(%T) = %s, %v\nwant %s", tt.a, got, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		a     interface{ Validate() error }
		field string
	}{
		{&Forward{SessionID: 1}, "operatorGroupId or userId"},
		{&Forward{SessionID: 1, UserID: 5}, ""},
		{&Forward{OperatorGroupID: 5}, "sessionId"},
		{&SetCallParams{SessionID: 1}, "callParams"},
		{&SetTag{SessionID: 1}, "name"},
		{&ShareFile{SessionID: 1}, "name or url"},
		{&Typing{SessionID: 1}, ""},
	}
	for _, tt := range tests {
		err := tt.a.Validate()
		var ve *ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%T.Validate() = %v, want nil", tt.a, err)
		case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalid)):
			t.Errorf("%T.Validate() = %v, want a ValidationError for %s", tt.a, err, tt.field)
		}
	}
}

func TestTimestamps(t *testing.T) {
	for _, s := range []string{"2024-11-05T14:22:31", "2024-11-05T14:22:31.1", "2024-11-05T14:22:31.1234567", "2024-11-05T14:22:31.123456789Z", "2024-11-05t14:22:31-05:30", "2024-02-29T00:00:00"} {
		ts, err := ParseTimestamp(s)
		if err != nil || ts.String() != s {
			t.Errorf("ParseTimestamp(%q) = %v, %v", s, ts, err)
		}
	}
	for _, s := range []string{"", "2024-11-05", "2024-13-05T14:22:31", "2023-02-29T00:00:00", "2024-11-05T24:00:00", "2024-11-05T14:22:31.", "2024-11-05T14:22:31+1:00", "2024-11-05T14:22:31.1234567890"} {
		if _, err := ParseTimestamp(s); err == nil {
			t.Errorf("ParseTimestamp(%q) accepted", s)
		}
	}
	local, _ := ParseTimestamp("2024-11-05T14:22:31.5")
	if local.HasOffset() || local.Time().Hour() != 14 {
		t.Errorf("offset-less time moved: %v", local.Time())
	}
	if got := TimestampOf(local.Time()).String(); got != "2024-11-05T14:22:31.5000000Z" {
		t.Errorf("round-trip form %q", got)
	}
}
