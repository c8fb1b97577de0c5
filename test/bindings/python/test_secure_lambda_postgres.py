"""The Python bindings: synthesize SecureLambdaPostgres from the wheel in dist/python.

Run by `npx projen test:bindings` in a fresh virtual environment holding that wheel,
aws-cdk-lib and constructs (see requirements.txt).
"""

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from secure_lambda_postgres import SecureLambdaPostgres

ENV = cdk.Environment(account="123456789012", region="us-east-1")


def logical_id(stack, construct):
    return stack.get_logical_id(construct.node.default_child)


def ref_of(value):
    """The logical id a `{ Fn::GetAtt }` or `{ Ref }` points at."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    return value


def ingress_rules(template, group_id):
    """Every inbound rule of the security group `group_id`, inline or standalone."""
    resources = template.to_json()["Resources"]
    rules = list(resources[group_id]["Properties"].get("SecurityGroupIngress", []))
    for resource in resources.values():
        if resource["Type"] == "AWS::EC2::SecurityGroupIngress" and ref_of(resource["Properties"]["GroupId"]) == group_id:
            rules.append(resource["Properties"])
    return rules


@pytest.fixture(scope="module")
def synthesized():
    app = cdk.App()
    stack = cdk.Stack(app, "BindingsPython", env=ENV)
    backend = SecureLambdaPostgres(
        stack,
        "Backend",
        vpc_endpoints=True,
        bastion=True,
        database_instance_type=ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.SMALL),
        function_memory_size=1024,
        api_stage_name="v1",
    )
    return stack, backend, Template.from_stack(stack)


def test_database_group_admits_only_proxy_migration_rotation_and_bastion_on_5432(synthesized):
    stack, backend, template = synthesized
    db_group = logical_id(stack, backend.database_security_group)
    db_instance = logical_id(stack, backend.database_instance)
    expected_peers = {
        logical_id(stack, backend.proxy_security_group),
        logical_id(stack, backend.bastion_security_group),
        logical_id(stack, backend.migration_security_group),
    }
    if backend.rotation_security_group is not None:
        expected_peers.add(logical_id(stack, backend.rotation_security_group))

    rules = ingress_rules(template, db_group)
    peers = set()
    for rule in rules:
        assert rule["IpProtocol"] == "tcp"
        assert "CidrIp" not in rule and "CidrIpv6" not in rule
        # Rules CDK derives from the instance carry its port as a GetAtt; the construct sets 5432.
        for port in (rule["FromPort"], rule["ToPort"]):
            assert port in (5432, {"Fn::GetAtt": [db_instance, "Endpoint.Port"]})
        peers.add(ref_of(rule["SourceSecurityGroupId"]))
    assert peers == expected_peers
    assert len(rules) == len(expected_peers)
    template.has_resource_properties("AWS::RDS::DBInstance", {"Port": "5432", "PubliclyAccessible": False})


def test_no_group_admits_the_internet(synthesized):
    _, _, template = synthesized
    resources = template.to_json()["Resources"]
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::EC2::SecurityGroup":
            rules = properties.get("SecurityGroupIngress", [])
        elif resource["Type"] == "AWS::EC2::SecurityGroupIngress":
            rules = [properties]
        else:
            continue
        for rule in rules:
            assert rule.get("CidrIp") not in ("0.0.0.0/0",)
            assert rule.get("CidrIpv6") not in ("::/0",)


def test_default_handler_runs_on_arm64_with_the_memory_set(synthesized):
    stack, backend, template = synthesized
    function = template.to_json()["Resources"][logical_id(stack, backend.function)]
    assert function["Type"] == "AWS::Lambda::Function"
    properties = function["Properties"]
    runtime = re.fullmatch(r"nodejs(\d+)\.x", properties["Runtime"])
    assert runtime and int(runtime.group(1)) >= 22, properties["Runtime"]
    assert properties["Architectures"] == ["arm64"]
    assert properties["MemorySize"] == 1024
    # The bundled handler shipped inside the package became a file asset.
    assert properties["Code"]["S3Key"].endswith(".zip")
    assert properties["VpcConfig"]["SecurityGroupIds"] == [
        {"Fn::GetAtt": [logical_id(stack, backend.function_security_group), "GroupId"]}
    ]


def test_own_code_keeps_the_runtime_set_and_arm64():
    stack = cdk.Stack(cdk.App(), "OwnCode", env=ENV)
    backend = SecureLambdaPostgres(
        stack,
        "Backend",
        function_code=lambda_.Code.from_inline("exports.handler = async () => ({ statusCode: 204 });"),
        function_handler="index.handler",
        function_runtime=lambda_.Runtime.NODEJS_22_X,
    )
    properties = Template.from_stack(stack).to_json()["Resources"][logical_id(stack, backend.function)]["Properties"]
    assert properties["Runtime"] == "nodejs22.x"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == "index.handler"


def test_options_reach_the_template(synthesized):
    stack, backend, template = synthesized
    template.has_resource_properties("AWS::RDS::DBInstance", {"DBInstanceClass": "db.t4g.small"})
    template.has_resource_properties("AWS::ApiGateway::Stage", {"StageName": "v1"})
    template.has_resource_properties("AWS::EC2::Instance", {"InstanceType": "t4g.nano"})
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"ServiceName": Match.string_like_regexp("secretsmanager"), "PrivateDnsEnabled": True},
    )
    assert backend.endpoints is not None
    assert backend.bastion is not None
    assert stack.resolve(backend.api_url) is not None


def test_invalid_combination_fails_at_synth_with_the_message():
    stack = cdk.Stack(cdk.App(), "Invalid", env=ENV)
    with pytest.raises(Exception, match=re.escape("bastionInstanceType requires bastion: true.")):
        SecureLambdaPostgres(stack, "Backend", bastion_instance_type=ec2.InstanceType("t4g.micro"))


def test_no_nat_without_endpoints_fails_with_what_to_do():
    stack = cdk.Stack(cdk.App(), "NoEgress", env=ENV)
    with pytest.raises(Exception, match="set vpcEndpoints: true, or keep at least one NAT gateway"):
        SecureLambdaPostgres(stack, "Backend", nat_gateways=0)
