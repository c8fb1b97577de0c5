// The Go bindings: synthesize SecureLambdaPostgres from the module jsii-pacmak generates into
// dist/go (see the replace directives in go.mod). Run by `npx projen test:bindings`.
package bindings_test

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	slp "github.com/secure-lambda-postgres/secure-lambda-postgres-go/securelambdapostgres"
)

var env = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}

type synthesized struct {
	stack     awscdk.Stack
	backend   slp.SecureLambdaPostgres
	template  assertions.Template
	resources map[string]interface{}
}

// synthesize builds one stack with non-default options, shared by the tests below.
var synthesize = func() func() *synthesized {
	var s *synthesized
	return func() *synthesized {
		if s != nil {
			return s
		}
		app := awscdk.NewApp(nil)
		stack := awscdk.NewStack(app, jsii.String("BindingsGo"), &awscdk.StackProps{Env: env})
		backend := slp.NewSecureLambdaPostgres(stack, jsii.String("Backend"), &slp.SecureLambdaPostgresProps{
			VpcEndpoints:         jsii.Bool(true),
			Bastion:              jsii.Bool(true),
			DatabaseInstanceType: awsec2.InstanceType_Of(awsec2.InstanceClass_BURSTABLE4_GRAVITON, awsec2.InstanceSize_SMALL),
			FunctionMemorySize:   jsii.Number(1024),
			ApiStageName:         jsii.String("v1"),
		})
		template := assertions.Template_FromStack(stack, nil)
		resources := (*template.ToJSON())["Resources"].(map[string]interface{})
		s = &synthesized{stack, backend, template, resources}
		return s
	}
}()

func logicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// refOf is the logical id a `{ Fn::GetAtt }` or `{ Ref }` points at.
func refOf(value interface{}) interface{} {
	if m, ok := value.(map[string]interface{}); ok {
		if att, ok := m["Fn::GetAtt"].([]interface{}); ok {
			return att[0]
		}
		if ref, ok := m["Ref"]; ok {
			return ref
		}
	}
	return value
}

// ingressRules lists every inbound rule of the security group groupID, inline or standalone.
func ingressRules(resources map[string]interface{}, groupID string) []map[string]interface{} {
	var rules []map[string]interface{}
	group := resources[groupID].(map[string]interface{})["Properties"].(map[string]interface{})
	if inline, ok := group["SecurityGroupIngress"].([]interface{}); ok {
		for _, rule := range inline {
			rules = append(rules, rule.(map[string]interface{}))
		}
	}
	for _, value := range resources {
		resource := value.(map[string]interface{})
		if resource["Type"] == "AWS::EC2::SecurityGroupIngress" {
			properties := resource["Properties"].(map[string]interface{})
			if refOf(properties["GroupId"]) == groupID {
				rules = append(rules, properties)
			}
		}
	}
	return rules
}

// panicMessage runs f and returns the message it panicked with (jsii errors panic in Go).
func panicMessage(f func()) (message string) {
	defer func() {
		if r := recover(); r != nil {
			message = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestDatabaseGroupAdmitsOnlyProxyMigrationRotationAndBastionOn5432(t *testing.T) {
	s := synthesize()
	dbGroup := logicalID(s.stack, s.backend.DatabaseSecurityGroup())
	dbInstance := logicalID(s.stack, s.backend.DatabaseInstance())
	expected := map[interface{}]bool{
		logicalID(s.stack, s.backend.ProxySecurityGroup()):     true,
		logicalID(s.stack, s.backend.BastionSecurityGroup()):   true,
		logicalID(s.stack, s.backend.MigrationSecurityGroup()): true,
	}
	if s.backend.RotationSecurityGroup() != nil {
		expected[logicalID(s.stack, s.backend.RotationSecurityGroup())] = true
	}

	rules := ingressRules(s.resources, dbGroup)
	derivedPort := map[string]interface{}{"Fn::GetAtt": []interface{}{dbInstance, "Endpoint.Port"}}
	peers := map[interface{}]bool{}
	for _, rule := range rules {
		if rule["IpProtocol"] != "tcp" || rule["CidrIp"] != nil || rule["CidrIpv6"] != nil {
			t.Errorf("unexpected rule %v", rule)
		}
		for _, port := range []interface{}{rule["FromPort"], rule["ToPort"]} {
			// Rules CDK derives from the instance carry its port as a GetAtt; the construct sets 5432.
			if port != float64(5432) && !reflect.DeepEqual(port, derivedPort) {
				t.Errorf("rule %v is not on 5432", rule)
			}
		}
		peers[refOf(rule["SourceSecurityGroupId"])] = true
	}
	if !reflect.DeepEqual(peers, expected) || len(rules) != len(expected) {
		t.Errorf("database group admits %v (%d rules), want exactly %v", peers, len(rules), expected)
	}
	s.template.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), map[string]interface{}{
		"Port": "5432", "PubliclyAccessible": false,
	})
}

func TestDefaultHandlerRunsOnArm64WithTheMemorySet(t *testing.T) {
	s := synthesize()
	function := s.resources[logicalID(s.stack, s.backend.Function())].(map[string]interface{})
	if function["Type"] != "AWS::Lambda::Function" {
		t.Fatalf("function resource is %v", function["Type"])
	}
	properties := function["Properties"].(map[string]interface{})
	runtime := regexp.MustCompile(`^nodejs(\d+)\.x$`).FindStringSubmatch(fmt.Sprint(properties["Runtime"]))
	if runtime == nil {
		t.Errorf("Runtime = %v", properties["Runtime"])
	} else if major, _ := strconv.Atoi(runtime[1]); major < 22 {
		t.Errorf("Runtime = %v", properties["Runtime"])
	}
	if !reflect.DeepEqual(properties["Architectures"], []interface{}{"arm64"}) {
		t.Errorf("Architectures = %v", properties["Architectures"])
	}
	if properties["MemorySize"] != float64(1024) {
		t.Errorf("MemorySize = %v", properties["MemorySize"])
	}
	// The bundled handler shipped inside the package became a file asset.
	if key := fmt.Sprint(properties["Code"].(map[string]interface{})["S3Key"]); !strings.HasSuffix(key, ".zip") {
		t.Errorf("Code.S3Key = %v", key)
	}
	wantGroups := []interface{}{map[string]interface{}{
		"Fn::GetAtt": []interface{}{logicalID(s.stack, s.backend.FunctionSecurityGroup()), "GroupId"},
	}}
	if got := properties["VpcConfig"].(map[string]interface{})["SecurityGroupIds"]; !reflect.DeepEqual(got, wantGroups) {
		t.Errorf("SecurityGroupIds = %v", got)
	}
}

func TestOwnCodeKeepsTheRuntimeSetAndArm64(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("OwnCode"), &awscdk.StackProps{Env: env})
	backend := slp.NewSecureLambdaPostgres(stack, jsii.String("Backend"), &slp.SecureLambdaPostgresProps{
		FunctionCode:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({ statusCode: 204 });")),
		FunctionHandler: jsii.String("index.handler"),
		FunctionRuntime: awslambda.Runtime_NODEJS_22_X(),
	})
	resources := (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]interface{})
	properties := resources[logicalID(stack, backend.Function())].(map[string]interface{})["Properties"].(map[string]interface{})
	if properties["Runtime"] != "nodejs22.x" || properties["Handler"] != "index.handler" ||
		!reflect.DeepEqual(properties["Architectures"], []interface{}{"arm64"}) {
		t.Errorf("Runtime, Handler, Architectures = %v, %v, %v", properties["Runtime"], properties["Handler"], properties["Architectures"])
	}
}

func TestOptionsReachTheTemplate(t *testing.T) {
	s := synthesize()
	s.template.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), map[string]interface{}{"DBInstanceClass": "db.t4g.small"})
	s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]interface{}{"StageName": "v1"})
	s.template.HasResourceProperties(jsii.String("AWS::EC2::Instance"), map[string]interface{}{"InstanceType": "t4g.nano"})
	s.template.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]interface{}{
		"ServiceName":       assertions.Match_StringLikeRegexp(jsii.String("secretsmanager")),
		"PrivateDnsEnabled": true,
	})
	if s.backend.Endpoints() == nil || s.backend.Bastion() == nil {
		t.Error("endpoints and bastion should be exposed when enabled")
	}
}

func TestInvalidCombinationFailsAtSynthWithTheMessage(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Invalid"), &awscdk.StackProps{Env: env})
	message := panicMessage(func() {
		slp.NewSecureLambdaPostgres(stack, jsii.String("Backend"), &slp.SecureLambdaPostgresProps{
			BastionInstanceType: awsec2.NewInstanceType(jsii.String("t4g.micro")),
		})
	})
	if !strings.Contains(message, "bastionInstanceType requires bastion: true.") {
		t.Errorf("got %q", message)
	}
}

func TestNoNatWithoutEndpointsFailsWithWhatToDo(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("NoEgress"), &awscdk.StackProps{Env: env})
	message := panicMessage(func() {
		slp.NewSecureLambdaPostgres(stack, jsii.String("Backend"), &slp.SecureLambdaPostgresProps{NatGateways: jsii.Number(0)})
	})
	if !strings.Contains(message, "set vpcEndpoints: true, or keep at least one NAT gateway") {
		t.Errorf("got %q", message)
	}
}
