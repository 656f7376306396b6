package workflow

import (
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

type (
	st string
	ev string
)

var light = New("light", st("off"), []st{"off", "on", "broken"}, []Def[st, ev]{
	{Event: "switch_on", Src: []st{"off"}, Dst: "on"},
	{Event: "switch_off", Src: []st{"on"}, Dst: "off"},
	{Event: "touch", Src: []st{"on"}, Dst: "on"},
	{Event: "smash", Src: []st{"off", "on"}, Dst: "broken"},
})

func TestMachine(t *testing.T) {
	cases := []struct {
		from st
		ev   ev
		to   st
		code errs.Code
	}{
		{"off", "switch_on", "on", ""}, {"on", "switch_off", "off", ""}, {"on", "touch", "on", ""},
		{"on", "smash", "broken", ""}, {"off", "switch_off", "", errs.Conflict}, {"broken", "switch_on", "", errs.Conflict},
		{"off", "dance", "", errs.Invalid}, {"limbo", "smash", "", errs.Internal},
	}
	for _, c := range cases {
		got, err := light.Next(c.from, c.ev)
		if errs.CodeOf(err) != c.code || got != c.to {
			t.Errorf("Next(%s, %s) = %q, %v; want %q, %q", c.from, c.ev, got, err, c.to, c.code)
		}
	}
	d := light.Describe()
	if len(d.Final) != 1 || d.Final[0] != "broken" || len(d.Transitions) != 5 || d.Events[0] != "smash" {
		t.Fatalf("Describe = %+v", d)
	}
	if av := light.Available("on"); len(av) != 3 || av[0] != "smash" {
		t.Fatalf("Available(on) = %v", av)
	}
	want := "stateDiagram-v2\n    [*] --> off\n    off --> broken: smash\n    off --> on: switch_on\n" +
		"    on --> broken: smash\n    on --> off: switch_off\n    on --> on: touch\n    broken --> [*]\n"
	if got := light.Mermaid(); got != want {
		t.Fatalf("Mermaid:\n%s", got)
	}
}
