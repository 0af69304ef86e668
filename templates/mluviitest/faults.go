package mluviitest

import (
	"fmt"
	"strings"
	"time"
)

// Direction tells which way an activity travels.
type Direction int

// Directions.
const (
	// AnyDirection, in a Fault, applies it whichever way the activity travels.
	AnyDirection Direction = iota
	// FromBot is the bot POSTing to mluvii's activity endpoint.
	FromBot
	// ToBot is mluvii POSTing to the bot's callback URL.
	ToBot
)

// String returns the direction as a word.
func (d Direction) String() string {
	switch d {
	case FromBot:
		return "bot → mluvii"
	case ToBot:
		return "mluvii → bot"
	}
	return "any direction"
}

// Fault is a failure injected for one activity name.
//
// For an activity the bot sends (a request, Text, …):
//   - Status answers the POST with that HTTP status, and the activity has no effect;
//   - Delay holds the answer that long (on the server's Clock);
//   - Drop answers 200 but loses the activity: no state change, no response;
//   - Duplicate processes the activity twice (so a request is answered twice).
//
// For an activity mluvii sends (an event or a response):
//   - Delay delivers it that much later, letting later deliveries overtake it;
//   - Drop never delivers it;
//   - Duplicate delivers it twice (mluvii is known to repeat the first message).
//
// For the token endpoint (SetTokenFault): Status answers with that status and
// an OAuth2 error body, Delay holds the answer, Drop closes the connection.
type Fault struct {
	Status    int
	Delay     time.Duration
	Drop      bool
	Duplicate bool
	// Times limits the fault to the next n occurrences; 0 means every one.
	Times int
	// Direction limits the fault to one direction (for Text, which travels
	// both ways); AnyDirection applies it to both.
	Direction Direction
}

// String describes the fault for test failure messages.
func (f Fault) String() string {
	var parts []string
	if f.Status != 0 {
		parts = append(parts, fmt.Sprintf("status %d", f.Status))
	}
	if f.Delay != 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.Drop {
		parts = append(parts, "drop")
	}
	if f.Duplicate {
		parts = append(parts, "duplicate")
	}
	return "fault: " + strings.Join(parts, ", ")
}

// faultState is a configured fault and how often it may still fire.
type faultState struct {
	f    Fault
	left int // remaining occurrences when f.Times > 0
}

// takeFault returns the fault to apply to one occurrence of name travelling
// in dir, and consumes it. Called with s.mu held.
func (s *Server) takeFault(name string, dir Direction) (Fault, bool) {
	fs := s.faults[name]
	if fs == nil || (fs.f.Direction != AnyDirection && fs.f.Direction != dir) {
		return Fault{}, false
	}
	return fs.take(func() { delete(s.faults, name) })
}

func (fs *faultState) take(remove func()) (Fault, bool) {
	if fs.f.Times > 0 {
		fs.left--
		if fs.left <= 0 {
			remove()
		}
	}
	return fs.f, true
}

// SetFault injects f for every later occurrence of the named activity (or the
// next f.Times occurrences), replacing an earlier fault for that name.
func (s *Server) SetFault(activity string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[activity] = &faultState{f: f, left: f.Times}
}

// SetTokenFault injects f into the token endpoint; a zero Fault removes it.
func (s *Server) SetTokenFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		s.tokenFault = nil
		return
	}
	s.tokenFault = &faultState{f: f, left: f.Times}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*faultState{}
	s.tokenFault = nil
}
