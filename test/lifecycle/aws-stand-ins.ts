import * as http from 'http';
import { AddressInfo } from 'net';

/** An RDS instance as the account holds it. */
export interface InstanceState {
  deletionProtection: boolean;
  /** ModifyDBInstance calls RDS refuses while the instance is busy (its first backup). */
  busyFor: number;
}

/** What the stand-ins share with the CloudFormation model: the account's instances and the stack's status. */
export interface AccountState {
  readonly instances: Map<string, InstanceState>;
  stackStatus: string;
}

/**
 * RDS `ModifyDBInstance` and CloudFormation `DescribeStacks` on loopback, in the AWS query protocol
 * the SDK speaks (form-encoded POST, XML answers, `ErrorResponse` with the service's error codes):
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html.
 * Also the pre-signed URL a custom resource PUTs its response to.
 */
export class AwsStandIns {
  public readonly responses: any[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  constructor(private readonly state: AccountState) {}

  public async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.method === 'PUT' && req.url?.startsWith('/response')) {
        this.responses.push({ contentType: req.headers['content-type'], ...JSON.parse(body) });
        res.end();
        return;
      }
      const form = new URLSearchParams(body);
      const [status, xml] = form.get('Action') === 'ModifyDBInstance' ? this.modify(form) : this.describeStacks(form);
      res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
    });
  }

  private modify(form: URLSearchParams): [number, string] {
    const id = form.get('DBInstanceIdentifier') ?? '';
    const instance = this.state.instances.get(id);
    if (!instance) return error(404, 'DBInstanceNotFound', `DBInstance ${id} not found.`);
    if (instance.busyFor > 0) {
      instance.busyFor--;
      return error(400, 'InvalidDBInstanceState', 'Database instance is not in available state.');
    }
    if (form.has('DeletionProtection')) instance.deletionProtection = form.get('DeletionProtection') === 'true';
    return [200, '<ModifyDBInstanceResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><ModifyDBInstanceResult><DBInstance>'
      + `<DBInstanceIdentifier>${id}</DBInstanceIdentifier><DeletionProtection>${instance.deletionProtection}</DeletionProtection>`
      + '</DBInstance></ModifyDBInstanceResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ModifyDBInstanceResponse>'];
  }

  private describeStacks(form: URLSearchParams): [number, string] {
    return [200, '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
      + `<StackId>${form.get('StackName')}</StackId><StackName>Stack</StackName><CreationTime>2026-01-01T00:00:00Z</CreationTime>`
      + `<StackStatus>${this.state.stackStatus}</StackStatus></member></Stacks></DescribeStacksResult>`
      + '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>'];
  }
}

function error(status: number, code: string, message: string): [number, string] {
  return [status, `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`];
}
