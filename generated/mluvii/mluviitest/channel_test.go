package mluviitest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// TestChannelMatrix sends every activity the bot can send on every channel:
// "no" cells are rejected naming the channel, "unverified" ones pass with a
// warning, "yes" ones pass silently.
func TestChannelMatrix(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	newTestBot(t, srv, nil)
	var no, unverified int
	for _, info := range mluvii.Activities() {
		if !info.Sent || !info.HasSession || len(info.Channels) == 0 {
			continue
		}
		a := spec.activity(info.Name)
		for _, cell := range info.Channels {
			sess, err := srv.StartConversation(cell.Channel)
			if err != nil {
				t.Fatal(err)
			}
			fields := sampleFields(a.fields, a.oneOf)
			fields[a.key], fields[spec.sessionKey] = info.Name, sess.ID()
			if a.matchKey != "" {
				fields[a.matchKey] = a.matchValues[0]
				delete(fields, a.key)
			}
			raw, _ := json.Marshal(fields)
			code, msg := srv.botPost(t, string(raw))
			entry := lastFromBot(sess)
			switch cell.Support {
			case mluvii.SupportNo:
				no++
				want := info.Name + " is not supported on channel " + string(cell.Channel)
				if code != 400 || !strings.Contains(msg, want) || !strings.Contains(msg, cell.Source) {
					t.Errorf("%s on %s: got %d %q, want 400 with %q and the source", info.Name, cell.Channel, code, msg, want)
				}
			case mluvii.SupportUnverified:
				unverified++
				if code != 200 || !strings.Contains(strings.Join(entry.Warnings, "\n"), "unverified") {
					t.Errorf("%s on %s (unverified): got %d %q, warnings %q", info.Name, cell.Channel, code, msg, entry.Warnings)
				}
			default:
				if code != 200 || len(entry.Warnings) > 0 {
					t.Errorf("%s on %s: got %d %q, warnings %q", info.Name, cell.Channel, code, msg, entry.Warnings)
				}
			}
		}
	}
	if no == 0 || unverified == 0 {
		t.Errorf("the matrix has %d no and %d unverified cells; the test needs both", no, unverified)
	}
}

// Typing is WebChat-only in mluvii's docs: a bot typing on Facebook is a bug.
func TestTypingOnFacebookIsRejected(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, Strict())
	newTestBot(t, srv, nil)
	fb, _ := srv.StartConversation(mluvii.ChannelFacebook)
	web, _ := srv.StartConversation(mluvii.ChannelWebChat, SessionSource("Invitation"))
	if code, msg := srv.botPost(t, body(fb, `{"activity":"Typing","sessionId":SID,"show":true}`)); code != 400 ||
		!strings.Contains(msg, `Typing is not supported on channel Facebook (session `+itoa(fb.ID())+`, source "Facebook")`) {
		t.Errorf("Typing on Facebook: %d %s", code, msg)
	}
	if code, msg := srv.botPost(t, body(web, `{"activity":"Typing","sessionId":SID,"show":true}`)); code != 200 {
		t.Errorf("Typing on WebChat (source Invitation): %d %s", code, msg)
	}
	if st := web.State(); st.Channel != "WebChat" || st.Source != "Invitation" {
		t.Errorf("state = %+v", st)
	}
}

// lastFromBot returns the bot's last activity in the session.
func lastFromBot(sess *Session) Entry {
	tr := sess.Transcript()
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].Dir == FromBot {
			return tr[i]
		}
	}
	return Entry{}
}

// TestFieldChannels: a Message is supported on WhatsApp, but its cards and
// buttons are not (the spec's field cells): set, they are rejected naming
// the field and the channel; left out or empty, the Message passes. On
// WebChat everything passes.
func TestFieldChannels(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	newTestBot(t, srv, nil)
	wa, _ := srv.StartConversation(mluvii.ChannelWhatsApp)
	web, _ := srv.StartConversation(mluvii.ChannelWebChat)
	card := `{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"Pick","buttons":[{"type":"imBack","title":"Red","value":"red"}]}}`
	for _, tc := range []struct {
		body string
		want string // "" for 200
	}{
		{`{"type":"message","sessionId":SID,"text":"hi"}`, ""},
		{`{"type":"message","sessionId":SID,"text":"hi","attachments":[]}`, ""},
		{`{"type":"message","sessionId":SID,"attachments":[` + card + `]}`, "attachments: not supported on channel WhatsApp"},
		{`{"type":"message","sessionId":SID,"text":"hi","suggestedActions":{"actions":[{"type":"imBack","title":"A","value":"a"}]}}`, "suggestedActions: not supported on channel WhatsApp"},
	} {
		code, msg := srv.botPost(t, body(wa, tc.body))
		switch {
		case tc.want == "" && code != 200:
			t.Errorf("on WhatsApp %s: %d %s, want 200", tc.body, code, msg)
		case tc.want != "" && (code != 400 || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "D1 channel table")):
			t.Errorf("on WhatsApp %s: %d %s, want 400 with %q and the source", tc.body, code, msg, tc.want)
		}
		if code, msg := srv.botPost(t, body(web, tc.body)); code != 200 {
			t.Errorf("on WebChat %s: %d %s, want 200", tc.body, code, msg)
		}
	}
	// The buttons of a card are a field of Card: on WhatsApp both the
	// attachments and their buttons are named.
	_, msg := srv.botPost(t, body(wa, `{"type":"message","sessionId":SID,"attachments":[`+card+`]}`))
	if !strings.Contains(msg, "buttons: not supported on channel WhatsApp") {
		t.Errorf("nested buttons on WhatsApp not named: %s", msg)
	}
}
