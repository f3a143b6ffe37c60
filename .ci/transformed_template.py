#!/usr/bin/env python3
"""Facts about template.yaml that only exist after the SAM transform: the versions, aliases, event source mappings and
stage SAM generates. Needs the Python modules samtranslator and cfnlint (cfn-lint brings both); .ci/run skips this,
saying so, where they are missing. No AWS account, no network.

    python3 .ci/transformed_template.py [template.yaml]
"""
import copy
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
from cfnlint.decode import decode  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402


class NoManagedPolicies:
    def load(self):
        return {}


def transformed(path, parameters=None):
    template, errors = decode(path)
    if template is None:
        sys.exit(f"{path} does not parse: {errors}")
    template = copy.deepcopy(template)
    (template.get("Globals") or {}).get("Function", {}).pop("CodeUri", None)
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = "s3://bucket/function.zip"
    return transform(template, parameters or {}, NoManagedPolicies())["Resources"]


failures = []


def check(condition, message):
    print(("  ok    " if condition else "  FAIL  ") + message)
    if not condition:
        failures.append(message)


def of_type(resources, kind):
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
    r = transformed(path)
    functions = of_type(r, "AWS::Lambda::Function")
    versions = of_type(r, "AWS::Lambda::Version")
    aliases = of_type(r, "AWS::Lambda::Alias")

    def versions_of(fn):
        return [k for k, v in versions.items() if v["Properties"]["FunctionName"] == {"Ref": fn}]

    def aliases_of(fn):
        return [k for k, v in aliases.items() if v["Properties"]["FunctionName"] == {"Ref": fn}]

    token = r["ConfigSettings"]["Properties"]["ServiceToken"]
    check(token == {"Fn::GetAtt": ["StackSettingsFunction", "Arn"]},
          "the custom resource's ServiceToken is the function's ARN, not an alias: " + str(token))
    check(not versions_of("StackSettingsFunction") and not aliases_of("StackSettingsFunction"),
          "the stack-settings function publishes no version and has no alias")
    check("SnapStart" not in functions["StackSettingsFunction"]["Properties"], "the stack-settings function has no SnapStart")
    check(isinstance(r["ConfigSettings"]["Properties"].get("ServiceTimeout"), int), "the custom resource has a whole-second ServiceTimeout")
    for fn in sorted(functions):
        if fn == "StackSettingsFunction":
            continue
        check(len(versions_of(fn)) == 1 and len(aliases_of(fn)) == 1, fn + ": one published version and its live alias")
        check(functions[fn]["Properties"].get("SnapStart") == {"ApplyOn": {"Ref": "SnapStart"}}, fn + ": SnapStart follows the parameter")

    mappings = of_type(r, "AWS::Lambda::EventSourceMapping")
    for name, mapping in sorted(mappings.items()):
        target = mapping["Properties"]["FunctionName"]
        check(isinstance(target, dict) and "Ref" in target and target["Ref"] in aliases,
              name + ": invokes the live alias, so it runs the snapshot of the published version")
    content = [m for m in mappings.values() if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["ContentTable", "StreamArn"]}]
    check(len(content) == 1 and len(content[0]["Properties"].get("FilterCriteria", {}).get("Filters", [])) == 2,
          "the content stream's mapping carries the two ready-only filters")

    check(functions["ApiFunction"]["Properties"].get("ReservedConcurrentExecutions")
          == {"Fn::If": ["HasApiReservedConcurrency", {"Ref": "ApiReservedConcurrency"}, {"Ref": "AWS::NoValue"}]},
          "the API function's concurrency is reserved (ApiReservedConcurrency)")
    stages = of_type(r, "AWS::ApiGatewayV2::Stage")
    check(len(stages) == 1 and all("AccessLogSettings" in s["Properties"] for s in stages.values()), "the HTTP API stage writes access logs")

    # Settings travel through the custom resource, not the environment: changing one publishes no new version.
    changed = transformed(path, {"ModelId": "claude-haiku-4-5", "MaxTokens": "512", "DailyTokenBudget": "5",
                                 "AnthropicBaseUrl": "https://gw.example.com", "ApiReservedConcurrency": "50"})
    check(sorted(of_type(changed, "AWS::Lambda::Version")) == sorted(versions),
          "changing the settings parameters publishes no new version (the config item carries them)")

    if failures:
        sys.exit(f"{len(failures)} transformed-template check(s) failed")


main()
