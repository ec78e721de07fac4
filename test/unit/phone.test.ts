import { parseTextablePhone } from '../../src/lib/phone';

describe('parseTextablePhone', () => {
  it.each([
    ['07700 900123', '+447700900123'],
    ['+44 7700 900123', '+447700900123'],
    ['(07700) 900-999', '+447700900999'],
    ['07911 123456', '+447911123456'],
    ['+447911123456', '+447911123456'],
    ['0044 7911 123456', '+447911123456'],
    ['+1 201 555 0123', '+12015550123'],
    ['+33 6 12 34 56 78', '+33612345678'],
  ])('reads %s as %s', (input, e164) => {
    expect(parseTextablePhone(input)).toEqual({ e164 });
  });

  it.each([
    ['020 7946 0000', 'cannot_receive_texts'],
    ['0800 123 4567', 'cannot_receive_texts'],
    ['+33 1 23 45 67 89', 'cannot_receive_texts'],
    ['12', 'not_a_phone_number'],
    ['call me', 'not_a_phone_number'],
    ['', 'not_a_phone_number'],
    ['07911 12345', 'not_a_phone_number'],
    ['+99 123 456 789', 'not_a_phone_number'],
  ])('refuses %s (%s)', (input, problem) => {
    expect(parseTextablePhone(input)).toEqual({ problem });
  });
});
