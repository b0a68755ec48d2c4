package datafold_test

import (
	"runtime/debug"
	"testing"

	datafold "github.com/datafold/datafold-go"
)

// What Version says, and so the User-Agent names, for each way a program
// comes to hold this module.
func TestVersion(t *testing.T) {
	t.Parallel()
	const mod = "github.com/datafold/datafold-go"
	app := debug.Module{Path: "example.com/app", Version: "v0.1.0"}
	tests := []struct {
		name string
		tag  string // set by the release build
		bi   *debug.BuildInfo
		want string
	}{
		{name: "release_build", tag: "v1.2.0", bi: &debug.BuildInfo{Main: debug.Module{Path: mod, Version: "(devel)"}}, want: "v1.2.0"},
		{name: "go_install_at_a_tag", bi: &debug.BuildInfo{Main: debug.Module{Path: mod, Version: "v1.2.0"}}, want: "v1.2.0"},
		{name: "a_dependency", bi: &debug.BuildInfo{Main: app, Deps: []*debug.Module{
			{Path: "golang.org/x/text", Version: "v0.3.0"}, {Path: mod, Version: "v1.3.0"}, {Path: "zz.example/last", Version: "v9.9.9"}}}, want: "v1.3.0"},
		{name: "replaced_by_a_fork", bi: &debug.BuildInfo{Main: app, Deps: []*debug.Module{
			{Path: mod, Version: "v1.3.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.3.1"}}}}, want: "v1.3.1"},
		{name: "replaced_by_a_directory", bi: &debug.BuildInfo{Main: app, Deps: []*debug.Module{
			{Path: mod, Version: "v1.3.0", Replace: &debug.Module{Path: "../datafold-go"}}}}, want: "devel"},
		{name: "working_tree", bi: &debug.BuildInfo{Main: debug.Module{Path: mod, Version: "(devel)"}}, want: "devel"},
		{name: "no_build_info", want: "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := datafold.VersionOf(tt.tag, tt.bi); got != tt.want {
				t.Errorf("Version = %q, want %q", got, tt.want)
			}
		})
	}
}
