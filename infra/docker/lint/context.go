package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ignoreFile is the ignore file `docker build` reads for the Dockerfile at path: the one beside it
// (<Dockerfile>.dockerignore) when there is one, the context's .dockerignore otherwise.
func ignoreFile(path, context string) (string, *patternmatcher.PatternMatcher, error) {
	for _, candidate := range []string{path + ".dockerignore", filepath.Join(context, ".dockerignore")} {
		file, err := os.Open(candidate)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		defer file.Close()
		patterns, err := ignorefile.ReadAll(file)
		if err != nil {
			return "", nil, err
		}
		matcher, err := patternmatcher.New(patterns)
		return candidate, matcher, err
	}
	return "", nil, nil
}

// checkContext reports each source of a COPY or ADD from the build context (not --from a stage or
// an image, not a URL) that the context lacks or that the ignore file leaves out of it: what would
// stop `docker build`, found without an engine. Variables are expanded as the build would, with
// the build arguments given and the defaults of the ARGs before.
func checkContext(path string, dt []byte, args buildArgs, context string) ([]string, error) {
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return nil, err
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return nil, err
	}
	ignoredBy, ignored, err := ignoreFile(path, context)
	if err != nil {
		return nil, err
	}
	lex := shell.NewLex(ast.EscapeToken)
	var problems []string
	report := func(line int, format string, values ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", path, line, fmt.Sprintf(format, values...)))
	}
	check := func(sources []string, line int, env map[string]string) {
		pairs := make([]string, 0, len(env))
		for name, value := range env {
			pairs = append(pairs, name+"="+value)
		}
		for _, source := range sources {
			if strings.Contains(source, "://") || strings.HasPrefix(source, "git@") {
				continue
			}
			word, _, err := lex.ProcessWord(source, shell.EnvsFromSlice(pairs))
			if err != nil {
				report(line, "%s: %v", source, err)
				continue
			}
			matches, err := filepath.Glob(filepath.Join(context, word))
			if err != nil || len(matches) == 0 {
				report(line, "%s: no such file in the context %s", word, context)
				continue
			}
			for _, match := range matches {
				relative, _ := filepath.Rel(context, match)
				if ignored == nil {
					continue
				}
				excluded, err := ignored.MatchesOrParentMatches(filepath.ToSlash(relative))
				if err != nil || excluded {
					report(line, "%s is left out of the context by %s", relative, ignoredBy)
				}
			}
		}
	}
	for _, stage := range stages {
		env := map[string]string{}
		for _, command := range stage.Commands {
			line := 0
			if location := command.Location(); len(location) > 0 {
				line = location[0].Start.Line
			}
			switch c := command.(type) {
			case *instructions.ArgCommand:
				for _, arg := range c.Args {
					if value, given := args[arg.Key]; given {
						env[arg.Key] = value
					} else if arg.Value != nil {
						env[arg.Key] = *arg.Value
					}
				}
			case *instructions.EnvCommand:
				for _, pair := range c.Env {
					env[pair.Key] = pair.Value
				}
			case *instructions.CopyCommand:
				if c.From == "" {
					check(c.SourcePaths, line, env)
				}
			case *instructions.AddCommand:
				check(c.SourcePaths, line, env)
			}
		}
	}
	return problems, nil
}
