package mluviitest

import (
	"encoding/json"
	"fmt"
)

// Send delivers an activity mluvii sends (an event such as Text or
// HeroCardSubmission) to the bot in this session and waits for the bot's ack.
// fields are the activity's own fields by wire name; the discriminator,
// session id, language, source and a timestamp are added, required fields
// left out get zero values, and fields the spec does not know are dropped.
//
// The error is non-nil when the delivery failed: the bot answered anything
// but 200, acked after the 2-second budget, or could not be reached, or the
// fake is at WithMaxDeliveries (the error wraps ErrOverloaded; nothing was
// sent). A Drop or Delay fault makes Send return nil at once.
func (se *Session) Send(name string, fields map[string]any) error {
	a := spec.activity(name)
	if a == nil {
		return fmt.Errorf("mluviitest: the spec has no activity %q", name)
	}
	if !a.received {
		return fmt.Errorf("mluviitest: %s is not an activity mluvii sends to the bot", name)
	}
	s := se.s
	s.mu.Lock()
	ss := se.ss
	if ss.ended {
		s.mu.Unlock()
		return fmt.Errorf("mluviitest: session %d has ended (%s); the guest can no longer act in it", se.id, ss.endedBy)
	}
	body, err := s.eventBody(a, ss, fields)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.send(ss, a.name, body, true, false)
}

// SendActivity delivers a typed activity of the generated package, filling in
// the session's id, language and source.
func (se *Session) SendActivity(a Activity) error {
	raw, err := a.MarshalJSON()
	if err != nil {
		return fmt.Errorf("mluviitest: marshal %s: %w", a.ActivityName(), err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("mluviitest: %s does not marshal to a JSON object: %w", a.ActivityName(), err)
	}
	return se.Send(a.ActivityName(), fields)
}

// Text sends a guest message.
func (se *Session) Text(text string) error {
	return se.Send("Text", map[string]any{"text": text})
}

// Click sends a button click; mluvii delivers the button's value as a Text.
func (se *Session) Click(value string) error { return se.Text(value) }

// SubmitHeroCard sends a HeroCardSubmission: the guest confirmed a hero card.
func (se *Session) SubmitHeroCard(params map[string]string) error {
	return se.Send("HeroCardSubmission", map[string]any{"params": params})
}

// UploadFile sends a GuestFileUpload with fileURL as it is: the fake stores
// nothing and does not check that the bot enabled uploads. Upload is the
// guest attaching a real file.
func (se *Session) UploadFile(fileURL string) error {
	return se.Send("GuestFileUpload", map[string]any{"fileUrl": fileURL})
}

// SendLocation sends a GuestLocation, as the guest's browser does: it
// answers the oldest pending location request (RequestLocation), if any.
func (se *Session) SendLocation(lat, lon float64) error {
	name := "GuestLocation"
	se.s.mu.Lock()
	if p, err := se.takePrompt(PromptLocation); err == nil {
		name = p.Response
	}
	se.s.mu.Unlock()
	return se.Send(name, map[string]any{"latitude": lat, "longitude": lon})
}

// End ends the conversation from the guest's side: the bot gets
// ConversationEnded (when the spec has it) and the session is over.
func (se *Session) End() error {
	var err error
	if spec.activity("ConversationEnded") != nil {
		err = se.Send("ConversationEnded", nil)
	}
	s := se.s
	s.mu.Lock()
	s.end(se.ss, "guest")
	s.mu.Unlock()
	return err
}

// Ping sends mluvii's service check, {"Activity":"Ping"}, and waits for the ack.
func (s *Server) Ping() error {
	a := spec.activity("Ping")
	if a == nil {
		return fmt.Errorf("mluviitest: the spec has no activity Ping")
	}
	body, err := marshalJSON(object{{a.key, a.name}})
	if err != nil {
		return err
	}
	return s.send(nil, a.name, body, true, false)
}

// eventBody renders an activity mluvii sends: discriminator, fields in spec
// order, session id, then the envelope. Called with s.mu held.
func (s *Server) eventBody(a *actInfo, ss *sessionState, fields map[string]any) ([]byte, error) {
	o := object{{a.key, a.name}}
	o = append(o, s.conform(a.fields, fields)...)
	if a.hasSession {
		o = append(o, member{spec.sessionKey, ss.id})
	}
	for _, k := range spec.envelope {
		switch k {
		case "language":
			o = append(o, member{k, ss.language})
		case "source":
			o = append(o, member{k, ss.source})
		}
	}
	body, err := marshalJSON(o)
	if err != nil {
		return nil, fmt.Errorf("mluviitest: render %s: %w", a.name, err)
	}
	return body, nil
}
