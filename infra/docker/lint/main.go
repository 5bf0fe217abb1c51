// Command dockerfile-lint runs BuildKit's Dockerfile checks, the ones `docker build --check` runs,
// on each Dockerfile it is given, with no Docker engine and no network. A base image is not
// fetched: it is taken as an image of the target platform with an empty configuration, so the
// checks of the Dockerfile itself all run and none of the base image's own settings is checked.
//
//	dockerfile-lint [--build-arg NAME=VALUE]... [--context DIR] Dockerfile...
//
// The experimental checks run when a Dockerfile asks for them (`# check=experimental=all`), as
// with `docker build`. With --context (the directory `docker build` would be given), it also
// checks that every file a COPY or ADD takes from the context is there and not left out by the
// ignore file. It prints each warning with its place, nothing for a clean file, and exits 1 when any
// file has a warning or a problem or does not parse, 2 on a wrong command line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// offline answers every base image with a configuration of the platform asked for and one layer
// (so that it is not taken for `scratch`), instead of fetching it from a registry.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	platform := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		platform = *opt.ImageOpt.Platform
	}
	config, err := json.Marshal(ocispecs.Image{
		Platform: platform,
		RootFS:   ocispecs.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString(ref)}},
	})
	return ref, "", config, err
}

type buildArgs map[string]string

func (args buildArgs) String() string { return fmt.Sprint(map[string]string(args)) }

func (args buildArgs) Set(value string) error {
	name, val, ok := strings.Cut(value, "=")
	if !ok || name == "" {
		return fmt.Errorf("expected NAME=VALUE, got %q", value)
	}
	args[name] = val
	return nil
}

// lint prints the warnings and the error of one Dockerfile and says whether it has none.
func lint(ctx context.Context, path string, args buildArgs, buildContext string) (bool, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	// The Dockerfile as the frontend has it: read from a local source named after the file.
	source := llb.Local("dockerfile")
	definition, err := source.Marshal(ctx)
	if err != nil {
		return false, err
	}
	sourceMap := llb.NewSourceMap(&source, path, "Dockerfile", dt)
	sourceMap.Definition = definition
	results, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{BuildArgs: args},
		SourceMap:    sourceMap,
		MetaResolver: offline{},
	})
	if err != nil {
		return false, err
	}
	if err := results.PrintTo(os.Stdout, nil); err != nil {
		return false, err
	}
	if results.Error != nil {
		fmt.Printf("\nERROR: %s: ", path)
		results.PrintErrorTo(os.Stdout, nil)
	}
	clean := len(results.Warnings) == 0 && results.Error == nil
	if buildContext != "" && results.Error == nil {
		problems, err := checkContext(path, dt, args, buildContext)
		if err != nil {
			return false, err
		}
		for _, problem := range problems {
			fmt.Printf("\nCONTEXT: %s\n", problem)
		}
		clean = clean && len(problems) == 0
	}
	return clean, nil
}

func main() {
	args := buildArgs{}
	flag.Var(args, "build-arg", "a build argument, NAME=VALUE (repeatable)")
	buildContext := flag.String("context", "", "the build context, to check the files that COPY and ADD take from it")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-lint [--build-arg NAME=VALUE]... [--context DIR] Dockerfile...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	failed := false
	for _, path := range flag.Args() {
		clean, err := lint(context.Background(), path, args, *buildContext)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
		}
		failed = failed || !clean
	}
	if failed {
		os.Exit(1)
	}
}
