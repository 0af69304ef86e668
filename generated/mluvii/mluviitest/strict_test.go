package mluviitest

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

func TestMalformedRequestsAreRejected(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	newTestBot(t, srv, nil)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `activity=Text`, "not valid JSON"},
		{"truncated", `{"activity":"Text","sessionId":SID`, "not valid JSON"},
		{"array root", `[{"activity":"Text"}]`, "want a JSON object, got a list"},
		{"no activity", `{"sessionId":SID,"text":"hi"}`, `missing "activity"`},
		{"activity not a string", `{"activity":12,"sessionId":SID}`, `"activity" must be a string naming the activity, got a number 12`},
		{"unknown activity", `{"activity":"Teleport","sessionId":SID}`, `unknown activity "Teleport"`},
		{"mluvii's activity", `{"activity":"GetCallParamsResponse","sessionId":SID,"callParams":{}}`, "GetCallParamsResponse: mluvii sends this activity"},
		{"missing sessionId", `{"activity":"Text","text":"hi"}`, `Text: missing required field "sessionId"`},
		{"negative sessionId", `{"activity":"Text","sessionId":-1,"text":"hi"}`, "Text.sessionId: must be positive"},
		{"overflowing sessionId", `{"activity":"Text","sessionId":99999999999999999999,"text":"hi"}`, "out of range for int64"},
		{"unknown session", `{"activity":"Text","sessionId":1,"text":"hi"}`, "Text: unknown session 1"},
		{"missing required field", `{"activity":"Text","sessionId":SID}`, `Text: missing required field "text"`},
		{"null required field", `{"activity":"Text","sessionId":SID,"text":null}`, `Text.text: must not be null`},
		{"wrong kind", `{"activity":"SetCallParams","sessionId":SID,"callParams":"a=b"}`, `SetCallParams.callParams: want an object (map[string]string), got a string "a=b"`},
		{"wrong kind inside a map", `{"activity":"SetCallParams","sessionId":SID,"callParams":{"a":{"x":1}}}`, `SetCallParams.callParams["a"]: want a string, got an object`},
		{"wrong kind inside a list", `{"activity":"GetAvailableGroups","sessionId":SID,"groupIds":[1,"two"]}`, `GetAvailableGroups.groupIds[1]: want an integer, got a string "two"`},
		{"fraction for an integer", `{"activity":"Forward","sessionId":SID,"userId":1.5}`, "Forward.userId: want an integer, got a number 1.5"},
		{"integral float for an int32", `{"activity":"SendHeroCard","sessionId":SID,"heroCardId":1.0}`, "SendHeroCard.heroCardId: want an integer, got a number 1.0"},
		{"float in a string for an int64", `{"activity":"AssignCrmIdentity","sessionId":SID,"existingCrmIdentityId":"7.0"}`, `AssignCrmIdentity.existingCrmIdentityId: want an integer, got a string "7.0"`},
		{"typo in a required field", `{"activity":"SetCallParams","sessionId":SID,"callParam":{"a":"b"}}`, `SetCallParams: missing required field "callParams"`},
		{"int32 overflow", `{"activity":"Forward","sessionId":SID,"userId":3000000000}`, "Forward.userId: 3000000000 is out of range for int32"},
		{"one-of unmet", `{"activity":"Forward","sessionId":SID}`, `Forward: needs at least one of "operatorGroupId", "userId"`},
		{"bool as text", `{"activity":"Typing","sessionId":SID,"show":"yes"}`, `Typing.show: want a boolean, got a string "yes"`},
		{"bad timestamp", `{"activity":"Text","sessionId":SID,"text":"hi","timestamp":"yesterday"}`, `Text.timestamp: "yesterday" is not a timestamp`},
		{"unknown enum value", `{"activity":"RichCardList","sessionId":SID,"items":[],"layout":"Grid"}`, `RichCardList.layout: "Grid" is not a RichCardLayout`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := srv.botPost(t, body(sess, tc.body))
			if code != 400 || !strings.Contains(msg, tc.want) {
				t.Errorf("POST %s\n got %d %q\nwant 400 containing %q", body(sess, tc.body), code, msg, tc.want)
			}
		})
	}
	if got := len(srv.Rejected()); got < 20 {
		t.Errorf("Rejected() has %d entries", got)
	}
}

// mluvii parses with Newtonsoft: these pass with a warning by default and
// fail under Strict.
func TestLenientFormsWarnOrFailUnderStrict(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, warning string }{
		{"PascalCase keys", `{"Activity":"Text","SessionId":SID,"Text":"hi"}`, `key "Activity" should be spelled "activity"`},
		{"sessionId as a string", `{"activity":"Text","sessionId":"SID","text":"hi"}`, `Text.sessionId: want an integer, got the string`},
		{"heroCardId as a string", `{"activity":"SendHeroCard","sessionId":SID,"heroCardId":"1"}`, `SendHeroCard.heroCardId: want an integer, got the string "1"`},
		{"number for a string", `{"activity":"Text","sessionId":SID,"text":42}`, "Text.text: want a string, got a number 42; mluvii converts it"},
		{"lowercase activity", `{"activity":"typing","sessionId":SID,"show":true}`, `activity "typing" should be spelled "Typing"`},
		{"envelope keys echoed back", `{"activity":"Text","sessionId":SID,"text":"hi","language":"cs","source":"Default"}`, `Text: "language" is what mluvii adds`},
		{"message type in another case", `{"type":"Message","sessionId":SID,"text":"hi"}`, `type "Message" should be spelled type "message"`},
		{"timestamp with a space", `{"activity":"Text","sessionId":SID,"text":"hi","timestamp":"2020-09-09 10:03:53"}`, `Text.timestamp: "2020-09-09 10:03:53" is not an ISO 8601 timestamp`},
		{"timestamp without seconds", `{"activity":"Text","sessionId":SID,"text":"hi","timestamp":"2020-09-09T10:03+02:00"}`, `Text.timestamp: "2020-09-09T10:03+02:00" is not an ISO 8601`},
		{"unknown field", `{"activity":"Text","sessionId":SID,"text":"hi","colour":"red"}`, `Text: unknown field "colour"; mluvii ignores it`},
		{"Bot Framework members", `{"type":"message","sessionId":SID,"text":"hi","locale":"cs-CZ","channelData":null}`, `Message: unknown field "locale"`},
		{"unknown field in a card", `{"type":"message","sessionId":SID,"attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"t","tap":{"type":"openUrl","value":"https://x.cz"}}}]}`, `Message.attachments[0].content: unknown field "tap"`},
		{"number for a boolean", `{"activity":"Typing","sessionId":SID,"show":1}`, "Typing.show: want a boolean, got the number 1; mluvii converts it"},
		{"integral float for an int64", `{"activity":"AssignCrmIdentity","sessionId":SID,"existingCrmIdentityId":7.0}`, "AssignCrmIdentity.existingCrmIdentityId: want an integer, got 7.0; mluvii converts it"},
	}
	for _, strict := range []bool{false, true} {
		var opts []Option
		if strict {
			opts = append(opts, Strict())
		}
		srv := NewServer(t, opts...)
		newTestBot(t, srv, nil)
		sess, err := srv.StartConversation(mluvii.ChannelWebChat)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			code, msg := srv.botPost(t, body(sess, tc.body))
			switch {
			case strict && (code != 400 || !strings.Contains(msg, "strict: ") || !strings.Contains(msg, tc.warning)):
				t.Errorf("Strict: %s: got %d %q, want 400 with %q", tc.name, code, msg, tc.warning)
			case !strict && code != 200:
				t.Errorf("%s: got %d %q, want 200", tc.name, code, msg)
			}
		}
		if !strict {
			warnings := strings.Join(srv.Warnings(), "\n")
			for _, tc := range cases {
				if !strings.Contains(warnings, tc.warning) {
					t.Errorf("%s: no warning %q in\n%s", tc.name, tc.warning, warnings)
				}
			}
			if said := sess.Said(); len(said) != 8 || said[7] != "hi" {
				t.Errorf("Said() = %q", said)
			}
		}
	}
}

// TestDeclaredFormsDoNotWarn: the forms the spec itself declares (the untyped
// type:"message" body, a declared activity alias) are not leniency.
func TestDeclaredFormsDoNotWarn(t *testing.T) {
	srv := NewServer(t, Strict())
	newTestBot(t, srv, nil)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{
		`{"type":"message","sessionId":SID,"text":"hi"}`,
		`{"type":"mluvii","sessionId":SID,"text":"hi"}`,
	} {
		if code, msg := srv.botPost(t, body(sess, b)); code != 200 {
			t.Errorf("%s: got %d %q", b, code, msg)
		}
	}
	srv.AssertNoWarnings()
}
