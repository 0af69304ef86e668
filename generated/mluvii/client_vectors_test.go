package mluvii

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestClientMethodsWriteTheRequestVectors sends each request vector's content
// through the typed method (and the builders) and checks that the body the
// client POSTs is the vector, key for key.
func TestClientMethodsWriteTheRequestVectors(t *testing.T) {
	const sid = 4815162342
	ts, err := ParseTimestamp("2024-11-05T14:22:33.5120000+01:00")
	if err != nil {
		t.Fatal(err)
	}
	hero := func(title, subtitle, img, btn, value string) Attachment {
		return NewHeroCard(title).WithSubtitle(subtitle).WithImages(img).WithButtons(IMBack(btn, value))
	}
	richMini, _ := NewHeroCard("Tarif Mini").WithButtons(IMBack("Chci Mini", "tarif_mini")).RichCard()
	richMaxi, _ := NewHeroCard("Tarif Maxi").WithButtons(IMBack("Chci Maxi", "tarif_maxi")).RichCard()
	cases := map[string]func(ctx context.Context, c *Client) error{
		"AssignCrmIdentity": func(ctx context.Context, c *Client) error {
			return c.AssignCrmIdentity(ctx, sid, WithExistingCrmIdentityID(66120031))
		},
		"ChatbotOpenFileUploadPrompt": func(ctx context.Context, c *Client) error { return c.ChatbotOpenFileUploadPrompt(ctx, sid) },
		"DisableGuestInput":           func(ctx context.Context, c *Client) error { return c.DisableGuestInput(ctx, sid) },
		"DisableGuestUpload":          func(ctx context.Context, c *Client) error { return c.DisableGuestUpload(ctx, sid) },
		"EnableGuestInput":            func(ctx context.Context, c *Client) error { return c.EnableGuestInput(ctx, sid) },
		"EnableGuestUpload":           func(ctx context.Context, c *Client) error { return c.EnableGuestUpload(ctx, sid) },
		"EndConversation":             func(ctx context.Context, c *Client) error { return c.EndConversation(ctx, sid) },
		"Forward.group":               func(ctx context.Context, c *Client) error { return c.Forward(ctx, sid, WithOperatorGroupID(7301)) },
		"Forward.user":                func(ctx context.Context, c *Client) error { return c.Forward(ctx, sid, WithUserID(3177)) },
		"GetAvailableGroups.filtered": func(ctx context.Context, c *Client) error {
			return c.GetAvailableGroups(ctx, sid, WithGroupIDs(7301, 7303))
		},
		"GetAvailableGroups": func(ctx context.Context, c *Client) error { return c.GetAvailableGroups(ctx, sid) },
		"GetAvailableOperators.group": func(ctx context.Context, c *Client) error {
			return c.GetAvailableOperators(ctx, sid, WithGroupID(7301))
		},
		"GetAvailableOperators": func(ctx context.Context, c *Client) error { return c.GetAvailableOperators(ctx, sid) },
		"GetCallParams":         func(ctx context.Context, c *Client) error { return c.GetCallParams(ctx, sid) },
		"GetGuestIdentity":      func(ctx context.Context, c *Client) error { return c.GetGuestIdentity(ctx, sid) },
		"GetHeroCards":          func(ctx context.Context, c *Client) error { return c.GetHeroCards(ctx, sid) },
		"GetMediaObjects":       func(ctx context.Context, c *Client) error { return c.GetMediaObjects(ctx, sid) },
		"HandOff":               func(ctx context.Context, c *Client) error { return c.HandOff(ctx, sid) },
		"ObtainCrmIdentity":     func(ctx context.Context, c *Client) error { return c.ObtainCrmIdentity(ctx, sid) },
		"Typing":                func(ctx context.Context, c *Client) error { return c.Typing(ctx, sid, true) },
		"Typing.hide":           func(ctx context.Context, c *Client) error { return c.Typing(ctx, sid, false) },
		"SetTag":                func(ctx context.Context, c *Client) error { return c.SetTag(ctx, sid, "bot-vyreseno") },
		"UnsetTag":              func(ctx context.Context, c *Client) error { return c.UnsetTag(ctx, sid, "bot-vyreseno") },
		"ShareFile.name":        func(ctx context.Context, c *Client) error { return c.ShareFile(ctx, sid, WithName("cenik-2024.pdf")) },
		"ShareFile.url": func(ctx context.Context, c *Client) error {
			return c.ShareFile(ctx, sid, WithURL("https://cdn.example.cz/docs/obchodni-podminky.pdf"))
		},
		"Text": func(ctx context.Context, c *Client) error {
			return c.SendText(ctx, sid, "Dobrý den, jsem virtuální asistent. Jak vám mohu pomoci?", WithTimestamp(ts))
		},
		"RequestLocation": func(ctx context.Context, c *Client) error {
			return c.RequestLocation(ctx, sid, WithText("Povolte prosím sdílení polohy, najdeme nejbližší pobočku."))
		},
		"SendGuestOfflineEmail": func(ctx context.Context, c *Client) error {
			return c.SendGuestOfflineEmail(ctx, sid, "Žádost o zpětné volání",
				"Zákazník žádá o zavolání zítra dopoledne na +420777123456.", WithLocation("Chatbot Eshop"))
		},
		"SetCallParams": func(ctx context.Context, c *Client) error {
			return c.SetCallParams(ctx, sid, map[string]string{"HandoffReason": "bot_gave_up", "order_no": "CZ-2024-118"})
		},
		"SendHeroCard": func(ctx context.Context, c *Client) error {
			return c.SendHeroCard(ctx, sid, 42, WithSelectedLanguage("cs"), WithInitialParams(map[string]string{
				"oo1_guest_ident": "Jana Nováková",
				"delivery_slot":   `[{"startTime":"2024-11-06T09:00","endTime":"2024-11-06T09:30"},{"startTime":"2024-11-07T13:00","endTime":"2024-11-07T14:00"}]`,
			}))
		},
		"SendHeroCard.whatsapp": func(ctx context.Context, c *Client) error {
			return c.SendHeroCard(ctx, sid, 43, WithAdditionalParams(map[string][]string{
				"header": {}, "buttons": {}, "footer": {}, "body": {"Jana", "CZ-2024-118", "6. 11. 2024"},
			}))
		},
		"RichCardList": func(ctx context.Context, c *Client) error {
			return c.SendRichCardList(ctx, sid, []RichCard{richMini, richMaxi}, WithTimestamp(ts), WithLayout(RichCardLayoutCarousel))
		},
		"Message": func(ctx context.Context, c *Client) error {
			return c.SendMessage(ctx, sid, WithTimestamp(ts), WithText(`<strong>Objednávka přijata.</strong> Sledovat ji můžete <a href="https://shop.example.cz/o/118">zde</a>, <em>děkujeme</em>.`))
		},
		"Message.heroCarousel": func(ctx context.Context, c *Client) error {
			return c.SendMessage(ctx, sid, WithTimestamp(ts), WithAttachmentLayout(AttachmentLayoutCarousel), WithAttachments(
				hero("Tarif Mini", "5 GB, 199 Kč", "https://cdn.example.cz/img/mini.png", "Chci Mini", "tarif_mini"),
				hero("Tarif Maxi", "neomezená data, 599 Kč", "https://cdn.example.cz/img/maxi.png", "Chci Maxi", "tarif_maxi"),
			))
		},
		"Message.buttons": func(ctx context.Context, c *Client) error {
			return c.SendMessage(ctx, sid, WithTimestamp(ts), WithAttachments(NewHeroCard("Jak chcete pokračovat?").WithButtons(
				IMBack("Mluvit s operátorem", "handoff"), IMBack("Ukončit chat", "end"))))
		},
		"Message.thumbnailList": func(ctx context.Context, c *Client) error {
			return c.SendMessage(ctx, sid, WithTimestamp(ts), WithAttachmentLayout(AttachmentLayoutList), WithAttachments(
				NewThumbnailCard("Pobočka Brno").WithText("Po–Pá 8–18").WithImages("https://cdn.example.cz/img/brno.jpg").
					WithButtons(IMBack("Vybrat", "branch_brno"))))
		},
		"Message.suggestedActions": func(ctx context.Context, c *Client) error {
			return c.SendMessage(ctx, sid, WithTimestamp(ts), WithText("Vyberte prosím téma:"), WithSuggestedActions(NewSuggestedActions(
				IMBack("Faktura", "topic_invoice"),
				IMBack("Doprava", "topic_shipping").WithImage("https://cdn.example.cz/icons/truck.png"))))
		},
		"Message.inputHintIgnoring": func(ctx context.Context, c *Client) error {
			return c.SendMessage(ctx, sid, WithTimestamp(ts), WithText("Chvilku strpení, ověřuji vaše údaje…"), WithInputHint(InputHintIgnoringInput))
		},
	}
	files, _ := filepath.Glob("testdata/vectors/request.*.json")
	if len(files) != len(cases)+1 { // AssignCrmIdentity.new is covered below
		t.Errorf("%d request vectors, %d cases: cover every vector", len(files), len(cases))
	}
	s := newRawServer(t)
	c := s.client()
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "request."), ".json")
		send := cases[name]
		if name == "AssignCrmIdentity.new" {
			// null means "create a contact", the same as leaving it out.
			send = func(ctx context.Context, c *Client) error { return c.AssignCrmIdentity(ctx, sid) }
		}
		if send == nil {
			t.Errorf("no case for %s", file)
			continue
		}
		t.Run(name, func(t *testing.T) {
			if err := send(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			got := s.bodies[len(s.bodies)-1]
			s.mu.Unlock()
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if name == "AssignCrmIdentity.new" {
				want = []byte(`{"sessionId": 4815162342, "activity": "AssignCrmIdentity"}`)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("body %s: %v", got, err)
			}
			json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("sent  %s\nwant %s", got, want)
			}
		})
	}
}
