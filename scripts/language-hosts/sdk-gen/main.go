// Command sdk-gen writes the Python or Go SDK of a Pulumi package schema, with the code generators of the Pulumi
// CLI this project builds (pkg/v3 codegen/python, codegen/go).
//
// `pulumi package add` and `pulumi package gen-sdk` ask the language host to generate the SDK, and the only Python
// and Go language hosts the module proxy serves (inside sdk/v3 v3.68.0 and v3.66.0) predate that call: they answer
// "method GeneratePackage not implemented". This tool makes the same SDK the newer hosts would, from the schema that
// `pulumi package get-schema <plugin>` prints.
//
//	sdk-gen <python|go> <schema.json> <out-dir>
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noReferences is the loader for a schema that references no other package (the soda schema does not): binding
// requires a loader, and any reference is an error worth seeing.
type noReferences struct{}

func (noReferences) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q, which this generator cannot load", pkg)
}

func (noReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q, which this generator cannot load", d.Name)
}

func (noReferences) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q, which this generator cannot load", pkg)
}

func (noReferences) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q, which this generator cannot load", d.Name)
}

func main() {
	if len(os.Args) != 4 || (os.Args[1] != "python" && os.Args[1] != "go") {
		fmt.Fprintln(os.Stderr, "usage: sdk-gen <python|go> <schema.json> <out-dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintf(os.Stderr, "sdk-gen: %v\n", err)
		os.Exit(1)
	}
}

func run(language, schemaPath, outDir string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("the schema in %s is not valid JSON: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noReferences{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("binding the schema: %w", err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("the schema has errors: %v", diags)
	}
	var files map[string][]byte
	if language == "go" {
		files, err = gogen.GeneratePackage("pulumi-soda-cloud", pkg, nil)
	} else {
		files, err = python.GeneratePackage("pulumi-soda-cloud", pkg, nil, noReferences{})
	}
	if err != nil {
		return fmt.Errorf("generating the %s SDK: %w", language, err)
	}
	if language == "go" {
		files, err = goModule(pkg, files)
		if err != nil {
			return err
		}
	}
	for name, content := range files {
		path := filepath.Join(outDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// goModule lays the Go SDK out as a module of its own, as `pulumi package add` does for a Go program: the package's
// files at the root (the generator puts them under `<name>/`) and a go.mod for the import path they use, so that a
// program's go.mod can `replace` that path with the directory.
func goModule(pkg *schema.Package, files map[string][]byte) (map[string][]byte, error) {
	prefix := pkg.Name + "/"
	module := map[string][]byte{}
	for name, content := range files {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		module[strings.TrimPrefix(name, prefix)] = content
	}
	if len(module) == 0 {
		return nil, fmt.Errorf("the Go generator wrote no file under %s", prefix)
	}
	importPath := gogen.ExtractImportBasePath(pkg.Reference())
	// The Go SDK the generated code was written for: the one this generator was built with.
	sdkVersion := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/pulumi/pulumi/sdk/v3" {
				sdkVersion = dep.Version
			}
		}
	}
	if sdkVersion == "" {
		return nil, fmt.Errorf("this sdk-gen does not know the Go SDK version it was built with")
	}
	module["go.mod"] = []byte(fmt.Sprintf("module %s\n\ngo 1.21\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n", importPath, sdkVersion))
	return module, nil
}
