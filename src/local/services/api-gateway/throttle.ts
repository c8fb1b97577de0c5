/**
 * API Gateway's stage throttling: a token bucket holding `burstLimit` tokens, refilled at
 * `rateLimit` per second; a request without a token gets 429.
 */
export class TokenBucket {
  private tokens: number;
  private last = process.hrtime.bigint();

  constructor(private readonly rateLimit: number, private readonly burstLimit: number) {
    this.tokens = burstLimit;
  }

  public take(): boolean {
    const now = process.hrtime.bigint();
    const seconds = Number(now - this.last) / 1e9;
    this.last = now;
    this.tokens = Math.min(this.burstLimit, this.tokens + seconds * this.rateLimit);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
