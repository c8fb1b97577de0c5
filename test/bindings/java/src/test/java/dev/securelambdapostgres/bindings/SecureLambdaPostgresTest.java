package dev.securelambdapostgres.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.securelambdapostgres.SecureLambdaPostgres;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.InstanceClass;
import software.amazon.awscdk.services.ec2.InstanceSize;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Runtime;
import software.constructs.IConstruct;

/** The Java bindings: synthesize SecureLambdaPostgres from the jar in dist/java. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureLambdaPostgresTest {
  private static final Environment ENV = Environment.builder().account("123456789012").region("us-east-1").build();

  private Stack stack;
  private SecureLambdaPostgres backend;
  private Template template;
  private Map<String, Object> resources;

  @BeforeAll
  @SuppressWarnings("unchecked")
  void synthesize() {
    App app = new App();
    stack = new Stack(app, "BindingsJava", StackProps.builder().env(ENV).build());
    backend = SecureLambdaPostgres.Builder.create(stack, "Backend")
        .vpcEndpoints(true)
        .bastion(true)
        .databaseInstanceType(InstanceType.of(InstanceClass.BURSTABLE4_GRAVITON, InstanceSize.SMALL))
        .functionMemorySize(1024)
        .apiStageName("v1")
        .build();
    template = Template.fromStack(stack);
    resources = (Map<String, Object>) template.toJSON().get("Resources");
  }

  private String logicalId(IConstruct construct) {
    return stack.getLogicalId((software.amazon.awscdk.CfnElement) construct.getNode().getDefaultChild());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    return value == null ? new ArrayList<>() : (List<Object>) value;
  }

  /** The logical id a `{ Fn::GetAtt }` or `{ Ref }` points at. */
  private static Object refOf(Object value) {
    if (value instanceof Map) {
      Map<String, Object> m = map(value);
      if (m.containsKey("Fn::GetAtt")) return list(m.get("Fn::GetAtt")).get(0);
      if (m.containsKey("Ref")) return m.get("Ref");
    }
    return value;
  }

  /** Every inbound rule of the security group `groupId`, inline or standalone. */
  private List<Map<String, Object>> ingressRules(String groupId) {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object rule : list(map(map(resources.get(groupId)).get("Properties")).get("SecurityGroupIngress"))) {
      rules.add(map(rule));
    }
    for (Object value : resources.values()) {
      Map<String, Object> resource = map(value);
      if ("AWS::EC2::SecurityGroupIngress".equals(resource.get("Type"))) {
        Map<String, Object> properties = map(resource.get("Properties"));
        if (groupId.equals(refOf(properties.get("GroupId")))) rules.add(properties);
      }
    }
    return rules;
  }

  @Test
  void databaseGroupAdmitsOnlyProxyMigrationRotationAndBastionOn5432() {
    String dbGroup = logicalId(backend.getDatabaseSecurityGroup());
    String dbInstance = logicalId(backend.getDatabaseInstance());
    Set<Object> expectedPeers = new HashSet<>();
    expectedPeers.add(logicalId(backend.getProxySecurityGroup()));
    expectedPeers.add(logicalId(backend.getBastionSecurityGroup()));
    expectedPeers.add(logicalId(backend.getMigrationSecurityGroup()));
    if (backend.getRotationSecurityGroup() != null) {
      expectedPeers.add(logicalId(backend.getRotationSecurityGroup()));
    }

    List<Map<String, Object>> rules = ingressRules(dbGroup);
    Set<Object> peers = new HashSet<>();
    Object derivedPort = Map.of("Fn::GetAtt", List.of(dbInstance, "Endpoint.Port"));
    for (Map<String, Object> rule : rules) {
      assertEquals("tcp", rule.get("IpProtocol"));
      assertFalse(rule.containsKey("CidrIp") || rule.containsKey("CidrIpv6"), rule.toString());
      for (Object port : List.of(rule.get("FromPort"), rule.get("ToPort"))) {
        // Rules CDK derives from the instance carry its port as a GetAtt; the construct sets 5432.
        assertTrue(Integer.valueOf(5432).equals(port) || derivedPort.equals(port), rule.toString());
      }
      peers.add(refOf(rule.get("SourceSecurityGroupId")));
    }
    assertEquals(expectedPeers, peers);
    assertEquals(expectedPeers.size(), rules.size());
    template.hasResourceProperties("AWS::RDS::DBInstance", Map.of("Port", "5432", "PubliclyAccessible", false));
  }

  @Test
  void defaultHandlerRunsOnArm64WithTheMemorySet() {
    Map<String, Object> function = map(resources.get(logicalId(backend.getFunction())));
    assertEquals("AWS::Lambda::Function", function.get("Type"));
    Map<String, Object> properties = map(function.get("Properties"));
    java.util.regex.Matcher runtime = java.util.regex.Pattern.compile("nodejs(\\d+)\\.x").matcher((String) properties.get("Runtime"));
    assertTrue(runtime.matches() && Integer.parseInt(runtime.group(1)) >= 22, properties.get("Runtime").toString());
    assertEquals(List.of("arm64"), properties.get("Architectures"));
    assertEquals(1024, ((Number) properties.get("MemorySize")).intValue());
    // The bundled handler shipped inside the package became a file asset.
    assertTrue(((String) map(properties.get("Code")).get("S3Key")).endsWith(".zip"));
    assertEquals(
        List.of(Map.of("Fn::GetAtt", List.of(logicalId(backend.getFunctionSecurityGroup()), "GroupId"))),
        map(properties.get("VpcConfig")).get("SecurityGroupIds"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void ownCodeKeepsTheRuntimeSetAndArm64() {
    Stack own = new Stack(new App(), "OwnCode", StackProps.builder().env(ENV).build());
    SecureLambdaPostgres ownBackend = SecureLambdaPostgres.Builder.create(own, "Backend")
        .functionCode(Code.fromInline("exports.handler = async () => ({ statusCode: 204 });"))
        .functionHandler("index.handler")
        .functionRuntime(Runtime.NODEJS_22_X)
        .build();
    Map<String, Object> ownResources = (Map<String, Object>) Template.fromStack(own).toJSON().get("Resources");
    String id = own.getLogicalId((software.amazon.awscdk.CfnElement) ownBackend.getFunction().getNode().getDefaultChild());
    Map<String, Object> properties = map(map(ownResources.get(id)).get("Properties"));
    assertEquals("nodejs22.x", properties.get("Runtime"));
    assertEquals(List.of("arm64"), properties.get("Architectures"));
    assertEquals("index.handler", properties.get("Handler"));
  }

  @Test
  void optionsReachTheTemplate() {
    template.hasResourceProperties("AWS::RDS::DBInstance", Map.of("DBInstanceClass", "db.t4g.small"));
    template.hasResourceProperties("AWS::ApiGateway::Stage", Map.of("StageName", "v1"));
    template.hasResourceProperties("AWS::EC2::Instance", Map.of("InstanceType", "t4g.nano"));
    template.hasResourceProperties("AWS::EC2::VPCEndpoint", Map.of(
        "ServiceName", Match.stringLikeRegexp("secretsmanager"),
        "PrivateDnsEnabled", true));
    assertNotNull(backend.getEndpoints());
    assertNotNull(backend.getBastion());
  }

  @Test
  void invalidCombinationFailsAtSynthWithTheMessage() {
    Stack invalid = new Stack(new App(), "Invalid", StackProps.builder().env(ENV).build());
    RuntimeException error = assertThrows(RuntimeException.class, () -> SecureLambdaPostgres.Builder.create(invalid, "Backend")
        .bastionInstanceType(new InstanceType("t4g.micro"))
        .build());
    assertTrue(error.getMessage().contains("bastionInstanceType requires bastion: true."), error.getMessage());
  }

  @Test
  void noNatWithoutEndpointsFailsWithWhatToDo() {
    Stack invalid = new Stack(new App(), "NoEgress", StackProps.builder().env(ENV).build());
    RuntimeException error = assertThrows(RuntimeException.class, () -> SecureLambdaPostgres.Builder.create(invalid, "Backend")
        .natGateways(0)
        .build());
    assertTrue(error.getMessage().contains("set vpcEndpoints: true, or keep at least one NAT gateway"), error.getMessage());
  }
}
