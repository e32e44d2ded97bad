/**
 * A fake DNS server's answering side: each query answered from a zone (name → answer records, as
 * dns-packet writes them), each query said to `onQuery` so a test can count what reached it.
 * Used by the dns-fixture process and, in process, by the PTR lookup tests.
 */
import type dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export type Zone = Record<string, dnsPacket.Answer[]>;

/** What reached the server: the first question of a query. */
export interface ReceivedQuery {
  name: string;
  type: string;
}

/** Answers every query `socket` receives from `zone`; names without records get an empty answer. */
export function answerFromZone(socket: dgram.Socket, zone: Zone, onQuery: (query: ReceivedQuery) => void = () => {}): void {
  socket.on('message', (message, remote) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (question !== undefined) onQuery({ name: question.name, type: question.type });
    // An A question gets the CNAME chain and the A records; any other type its own records (PTR, CNAME).
    const answers = question === undefined ? [] : (zone[question.name.toLowerCase()] ?? []).filter((answer) => question.type === 'A' || answer.type !== 'A');
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | dnsPacket.AUTHORITATIVE_ANSWER,
      questions: query.questions ?? [],
      answers,
    });
    socket.send(response, remote.port, remote.address);
  });
}
