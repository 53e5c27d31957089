"""Seq2seq encoder-decoder with GRU, d2l style: masked softmax cross-entropy, teacher forcing, BLEU."""

import collections
import math

import torch
from torch import nn

PAIRS = [
    ("go .", "va !"),
    ("hi .", "salut !"),
    ("run !", "cours !"),
    ("i lost .", "j'ai perdu ."),
    ("he's calm .", "il est calme ."),
    ("i'm home .", "je suis chez moi ."),
    ("we won .", "nous avons gagne ."),
    ("i see .", "je vois ."),
    ("be calm .", "sois calme ."),
    ("i ran .", "j'ai couru ."),
    ("go home .", "va chez toi ."),
    ("we see .", "nous voyons ."),
]


class Vocab:
    def __init__(self, lines, reserved):
        counter = collections.Counter(t for line in lines for t in line)
        self.idx_to_token = ["<unk>"] + reserved + sorted(t for t in counter if t not in reserved)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self.token_to_idx.get(t, 0) for t in tokens]
        return self.token_to_idx.get(tokens, 0)


src_tok = [s.split() for s, _ in PAIRS]
tgt_tok = [t.split() for _, t in PAIRS]
src_vocab = Vocab(src_tok, ["<pad>", "<bos>", "<eos>"])
tgt_vocab = Vocab(tgt_tok, ["<pad>", "<bos>", "<eos>"])
print("vocab sizes", len(src_vocab), len(tgt_vocab))
num_steps = 6


def truncate_pad(line, n, pad):
    return line[:n] if len(line) > n else line + [pad] * (n - len(line))


def build(lines, vocab):
    lines = [vocab[l] + [vocab["<eos>"]] for l in lines]
    array = torch.tensor([truncate_pad(l, num_steps, vocab["<pad>"]) for l in lines])
    valid_len = (array != vocab["<pad>"]).type(torch.int32).sum(1)
    return array, valid_len


src, src_len = build(src_tok, src_vocab)
tgt, tgt_len = build(tgt_tok, tgt_vocab)
print("X", src[:2])
print("valid", src_len)


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)

    def forward(self, X):
        X = self.embedding(X).permute(1, 0, 2)
        return self.rnn(X)


class Seq2SeqDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs):
        return enc_outputs[1]

    def forward(self, X, state):
        X = self.embedding(X).permute(1, 0, 2)
        context = state[-1].repeat(X.shape[0], 1, 1)
        output, state = self.rnn(torch.cat((X, context), 2), state)
        return self.dense(output).permute(1, 0, 2), state


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(self, enc_X, dec_X):
        return self.decoder(dec_X, self.decoder.init_state(self.encoder(enc_X)))


def sequence_mask(X, valid_len, value=0):
    maxlen = X.size(1)
    mask = torch.arange(maxlen, dtype=torch.float32)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    def forward(self, pred, label, valid_len):
        weights = torch.ones_like(label)
        weights = sequence_mask(weights, valid_len)
        self.reduction = "none"
        unweighted = super().forward(pred.permute(0, 2, 1), label)
        return (unweighted * weights).mean(dim=1)


print(sequence_mask(torch.tensor([[1, 2, 3], [4, 5, 6]]), torch.tensor([1, 2])))
loss = MaskedSoftmaxCELoss()
print("loss check", loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])))

torch.manual_seed(0)
encoder = Seq2SeqEncoder(len(src_vocab), 8, 16, 2, dropout=0.1)
decoder = Seq2SeqDecoder(len(tgt_vocab), 8, 16, 2, dropout=0.1)
net = EncoderDecoder(encoder, decoder)


def xavier_init_weights(m):
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    if type(m) == nn.GRU:
        for param in m._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(m._parameters[param])


net.apply(xavier_init_weights)
optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
net.train()
for epoch in range(30):
    for i in range(0, len(PAIRS), 4):
        X, X_len, Y, Y_len = src[i : i + 4], src_len[i : i + 4], tgt[i : i + 4], tgt_len[i : i + 4]
        optimizer.zero_grad()
        bos = torch.tensor([tgt_vocab["<bos>"]] * Y.shape[0]).reshape(-1, 1)
        dec_input = torch.cat([bos, Y[:, :-1]], 1)
        Y_hat, _ = net(X, dec_input)
        l = loss(Y_hat, Y, Y_len)
        l.sum().backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1)
        optimizer.step()
    if (epoch + 1) % 10 == 0:
        print(f"epoch {epoch + 1}, loss {l.sum().item() / Y_len.sum().item():.4f}")


def predict_seq2seq(net, src_sentence):
    net.eval()
    src_tokens = src_vocab[src_sentence.lower().split(" ")] + [src_vocab["<eos>"]]
    enc_X = torch.unsqueeze(torch.tensor(truncate_pad(src_tokens, num_steps, src_vocab["<pad>"])), dim=0)
    dec_state = net.decoder.init_state(net.encoder(enc_X))
    dec_X = torch.unsqueeze(torch.tensor([tgt_vocab["<bos>"]], dtype=torch.long), dim=0)
    out = []
    for _ in range(num_steps):
        Y, dec_state = net.decoder(dec_X, dec_state)
        dec_X = Y.argmax(dim=2)
        pred = dec_X.squeeze(dim=0).type(torch.int32).item()
        if pred == tgt_vocab["<eos>"]:
            break
        out.append(pred)
    return " ".join(tgt_vocab.idx_to_token[i] for i in out)


def bleu(pred_seq, label_seq, k):
    pred_tokens, label_tokens = pred_seq.split(" "), label_seq.split(" ")
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    score = math.exp(min(0, 1 - len_label / len_pred))
    for n in range(1, k + 1):
        num_matches, label_subs = 0, collections.defaultdict(int)
        for i in range(len_label - n + 1):
            label_subs[" ".join(label_tokens[i : i + n])] += 1
        for i in range(len_pred - n + 1):
            if label_subs[" ".join(pred_tokens[i : i + n])] > 0:
                num_matches += 1
                label_subs[" ".join(pred_tokens[i : i + n])] -= 1
        score *= math.pow(num_matches / (len_pred - n + 1), math.pow(0.5, n))
    return score


for eng, fra in PAIRS[:6]:
    translation = predict_seq2seq(net, eng)
    print(f"{eng} => {translation}, bleu {bleu(translation, fra, k=2):.4f}")
for eng, fra in [
    ("i'm calm .", "je suis calme ."),
    ("we ran .", "nous avons couru ."),
    ("he's home .", "il est chez lui ."),
]:
    translation = predict_seq2seq(net, eng)
    print(f"{eng} => {translation}, bleu {bleu(translation, fra, k=2):.4f}")
