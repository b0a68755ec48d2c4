package datafold

import "runtime/debug"

// releaseTag is set by the release build (-ldflags -X), so a binary built
// from a tag names it; `go install ...@vX.Y.Z` has it in the build info.
var releaseTag string

// Version returns the version of this module linked into the program, such
// as "v1.2.0", or "devel" when it is built from a working tree.
func Version() string {
	bi, _ := debug.ReadBuildInfo()
	return version(releaseTag, bi)
}

// version is Version for a given release tag and build info (nil when the
// binary has none), apart so that tests can give both.
func version(tag string, bi *debug.BuildInfo) string {
	v := tag
	if bi != nil && v == "" {
		for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
			if m.Path == "github.com/datafold/datafold-go" {
				v = m.Version
				if m.Replace != nil {
					v = m.Replace.Version
				}
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
}

// userAgent names the module and its version, so Datafold can tell this
// client's traffic apart and see which versions are still in use.
func userAgent() string { return "datafold-go/" + Version() }
